import { compileGlobs, type PathMatcher } from "./match-globs.js";
import type { PullRequestFile, SkippedFile } from "./types.js";

/** Globs over a file's path, with the reason shown in the review body when one matches. */
export interface PathRule {
  reason: string;
  globs: readonly string[];
  /** Match regardless of case (`.ENV`, `Secrets/`). */
  nocase?: boolean;
}

export const DEFAULT_MAX_PATCH_BYTES = 200_000;

/** Data formats of a `secrets.*` file; `src/secrets.ts` is code, and security code most needs a review. */
const SECRET_DATA = "{yml,yaml,json,env,toml,ini,txt,properties,conf,cfg,xml,tfvars}";

/** Never sent to the model, whatever else is true of the file (see also `isInSecretsDirectory`). */
export const SECRET_FILES: PathRule = {
  reason: "may contain secrets — never sent to the model",
  nocase: true,
  globs: [
    "**/.env",
    "**/.env.*",
    "**/*.env",
    "**/.envrc",
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
    "**/.aws/credentials",
    "**/.docker/config.json",
    "**/.pgpass",
    "**/*.ppk",
    "**/*.tfstate",
    "**/*.tfstate.backup",
    "**/*.kdbx",
    `**/secrets.${SECRET_DATA}`,
    `**/secrets.*.${SECRET_DATA}`,
  ],
};

/** Extensions of source code, reviewed even inside a `secrets/` directory. */
const SOURCE_EXTENSIONS = new Set(
  (
    "ts tsx mts cts js jsx mjs cjs py rb go rs java kt kts scala cs fs vb php swift m mm c h cc cpp hpp " +
    "ex exs erl clj dart lua pl pm r jl sh bash zsh ps1 sql vue svelte"
  ).split(" "),
);

/**
 * A file inside a `secrets/` directory (any depth, any case) that is not source code: `k8s/secrets/prod/token` is
 * data and never sent, `src/secrets/rotate.ts` is code and reviewed.
 */
export function isInSecretsDirectory(path: string): boolean {
  const segments = path.toLowerCase().split("/");
  const name = segments.pop() ?? "";
  if (!segments.includes("secrets")) return false;
  const dot = name.lastIndexOf(".");
  return dot <= 0 || !SOURCE_EXTENSIONS.has(name.slice(dot + 1));
}

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

/**
 * `dist/` and `coverage/` match at any depth (`packages/web/dist/index.js`); `build/` and `out/` only at the root of
 * the repository, since a source folder is often named so (`scripts/build/release.ts`, `internal/build/`).
 */
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
    "build/**",
    "out/**",
    "**/coverage/**",
  ],
};

export const VENDORED_FILES: PathRule = {
  reason: "vendored",
  globs: ["**/vendor/**", "**/node_modules/**", "**/third_party/**", "**/Pods/**"],
};

/** Rules checked after the file's status and patch, in this order. */
export const PATH_RULES: readonly PathRule[] = [LOCK_FILES, GENERATED_FILES, VENDORED_FILES];

const secretGlobs = compile(SECRET_FILES);
const isSecret = (path: string) => secretGlobs(path) || isInSecretsDirectory(path);
const pathRules = PATH_RULES.map((rule) => ({ reason: rule.reason, matches: compile(rule) }));

/**
 * Splits a pull request's files into those a model may read and those it must not, each skipped file with a
 * short reason for the review body. Precedence: secrets (current or previous path), removed, no patch, lock / generated / vendored,
 * patch size, `exclude` globs, then — when `include` is not empty — paths matching none of its globs (see
 * match-globs.ts: matched against the whole path, in time linear in the path). Input order is kept.
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
  const excluded = compileGlobs(exclude);
  const included = include.length > 0 ? compileGlobs(include) : () => true;
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

function compile(rule: PathRule): PathMatcher {
  return compileGlobs(rule.globs, { nocase: rule.nocase ?? false });
}

function formatBytes(bytes: number): string {
  return bytes >= 1000 ? `${Number((bytes / 1000).toFixed(1))} KB` : `${bytes} bytes`;
}
