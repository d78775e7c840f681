import picomatch from "picomatch";
import type { PullRequestFile, SkippedFile } from "./types.js";

/** Globs over a file's path, with the reason shown in the review body when one matches. */
export interface PathRule {
  reason: string;
  globs: readonly string[];
  /** Match regardless of case (`.ENV`, `Secrets/`). */
  nocase?: boolean;
}

export const DEFAULT_MAX_PATCH_BYTES = 200_000;

/** Never sent to the model, whatever else is true of the file. */
export const SECRET_FILES: PathRule = {
  reason: "may contain secrets — never sent to the model",
  nocase: true,
  globs: [
    "**/.env",
    "**/.env.*",
    "**/*.pem",
    "**/*.key",
    "**/*.p12",
    "**/*.pfx",
    "**/*.keystore",
    "**/*.jks",
    "**/id_rsa*",
    "**/id_dsa*",
    "**/id_ecdsa*",
    "**/id_ed25519*",
    "**/.npmrc",
    "**/.pypirc",
    "**/.netrc",
    "**/credentials.json",
    "**/*.kdbx",
    "**/secrets.*",
    "**/secrets/**",
  ],
};

export const LOCK_FILES: PathRule = {
  reason: "lock file",
  globs: [
    "**/package-lock.json",
    "**/npm-shrinkwrap.json",
    "**/pnpm-lock.yaml",
    "**/bun.lockb",
    "**/go.sum",
    "**/packages.lock.json",
    // yarn.lock, Cargo.lock, poetry.lock, Pipfile.lock, uv.lock, composer.lock, Gemfile.lock, mix.lock,
    // pubspec.lock, Podfile.lock, flake.lock and every other `.lock`.
    "**/*.lock",
  ],
};

/** Directory rules match at any depth: `packages/web/dist/index.js` is skipped as well as `dist/index.js`. */
export const GENERATED_FILES: PathRule = {
  reason: "generated or minified",
  globs: [
    "**/*.min.js",
    "**/*.min.css",
    "**/*.map",
    "**/*.pb.go",
    "**/*_pb2.py",
    "**/*.pb.*",
    "**/*_generated.*",
    "**/*.generated.*",
    "**/*.g.dart",
    "**/*.snap",
    "**/dist/**",
    "**/build/**",
    "**/out/**",
    "**/coverage/**",
  ],
};

export const VENDORED_FILES: PathRule = {
  reason: "vendored",
  globs: ["**/vendor/**", "**/node_modules/**", "**/third_party/**", "**/Pods/**"],
};

/** Rules checked after the file's status and patch, in this order. */
export const PATH_RULES: readonly PathRule[] = [LOCK_FILES, GENERATED_FILES, VENDORED_FILES];

const isSecret = compile(SECRET_FILES);
const pathRules = PATH_RULES.map((rule) => ({ reason: rule.reason, matches: compile(rule) }));

/**
 * Splits a pull request's files into those a model may read and those it must not, each skipped file with a
 * short reason for the review body. Precedence: secrets (current or previous path), removed, no patch, lock / generated / vendored,
 * patch size, `exclude` globs, then — when `include` is not empty — paths matching none of its globs (picomatch,
 * `dot: true`, matched against the whole path). Input order is kept.
 */
export function selectFiles(params: {
  files: PullRequestFile[];
  maxPatchBytes?: number;
  exclude?: string[];
  include?: string[];
}): {
  reviewable: PullRequestFile[];
  skipped: SkippedFile[];
} {
  const { files, maxPatchBytes = DEFAULT_MAX_PATCH_BYTES, exclude = [], include = [] } = params;
  if (!Number.isFinite(maxPatchBytes) || maxPatchBytes <= 0) {
    throw new Error(`Expected \`maxPatchBytes\` to be a positive number, got ${maxPatchBytes}`);
  }
  const excluded = exclude.length > 0 ? picomatch(exclude, { dot: true }) : () => false;
  const included = include.length > 0 ? picomatch(include, { dot: true }) : () => true;
  const isExcluded = (path: string) => excluded(path) || !included(path);
  const reviewable: PullRequestFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const file of files) {
    const reason = findSkipReason({ file, maxPatchBytes, isExcluded });
    if (reason === undefined) reviewable.push(file);
    else skipped.push({ path: file.path, reason });
  }
  return { reviewable, skipped };
}

function findSkipReason(params: {
  file: PullRequestFile;
  maxPatchBytes: number;
  isExcluded: (path: string) => boolean;
}): string | undefined {
  const { file, maxPatchBytes, isExcluded } = params;
  // A file renamed away from a secret-like name still holds the secret.
  if (isSecret(file.path) || (file.previousPath !== undefined && isSecret(file.previousPath))) {
    return SECRET_FILES.reason;
  }
  if (file.status === "removed") return "removed";
  if (!file.patch) {
    return file.status === "renamed" && file.changes === 0
      ? "renamed without changes"
      : "binary or no patch from GitHub";
  }
  const rule = pathRules.find(({ matches }) => matches(file.path));
  if (rule) return rule.reason;
  if (Buffer.byteLength(file.patch, "utf8") > maxPatchBytes) {
    return `larger than ${formatBytes(maxPatchBytes)} of diff`;
  }
  if (isExcluded(file.path)) return "excluded by configuration";
  return undefined;
}

function compile(rule: PathRule): (path: string) => boolean {
  return picomatch([...rule.globs], { dot: true, nocase: rule.nocase ?? false });
}

function formatBytes(bytes: number): string {
  return bytes >= 1000 ? `${Number((bytes / 1000).toFixed(1))} KB` : `${bytes} bytes`;
}
