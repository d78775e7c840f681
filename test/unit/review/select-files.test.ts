import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_PATCH_BYTES, selectFiles } from "../../../src/review/select-files.js";
import type { PullRequestFile } from "../../../src/review/types.js";

const PATCH = "@@ -1 +1 @@\n-a\n+b";
const SECRET = "may contain secrets — never sent to the model";
const GENERATED = "generated or minified";

/** Overrides for a test file; `patch: null` leaves the patch out, as GitHub does for binaries. */
type FileOverrides = Omit<Partial<PullRequestFile>, "patch"> & { patch?: string | null };

const file = ({ patch = PATCH, ...overrides }: FileOverrides & { path: string }): PullRequestFile => ({
  status: "modified",
  additions: 1,
  deletions: 1,
  changes: 2,
  ...overrides,
  ...(patch === null ? {} : { patch }),
});

/** The reason a single file is skipped for, or "reviewable". */
const verdict = (input: PullRequestFile, options: { maxPatchBytes?: number; exclude?: string[] } = {}) => {
  const { reviewable, skipped } = selectFiles({ files: [input], ...options });
  if (reviewable.length === 1 && skipped.length === 0) return "reviewable";
  expect(reviewable).toEqual([]);
  expect(skipped).toHaveLength(1);
  expect(skipped[0]?.path).toBe(input.path);
  return skipped[0]?.reason;
};

describe("selectFiles", () => {
  it.each<[string, string]>([
    // secrets, at any depth and in any case
    [".env", SECRET],
    ["apps/api/.env", SECRET],
    [".env.production", SECRET],
    [".env.example", SECRET],
    ["deploy/server.pem", SECRET],
    ["certs/TLS.KEY", SECRET],
    ["certs/client.p12", SECRET],
    ["certs/client.pfx", SECRET],
    ["android/release.keystore", SECRET],
    ["android/release.jks", SECRET],
    ["home/.ssh/id_rsa", SECRET],
    ["keys/id_rsa.pub", SECRET],
    ["keys/id_dsa", SECRET],
    ["keys/id_ecdsa", SECRET],
    ["keys/id_ed25519.pub", SECRET],
    [".npmrc", SECRET],
    ["tools/.pypirc", SECRET],
    [".netrc", SECRET],
    ["gcp/credentials.json", SECRET],
    ["vault.kdbx", SECRET],
    ["config/secrets.yml", SECRET],
    ["Secrets.json", SECRET],
    ["secrets/db-password.txt", SECRET],
    ["k8s/Secrets/prod/token", SECRET],
    ["deploy/secrets/tls.crt", SECRET],
    ["config/secrets.prod.yaml", SECRET],
    ["home/.aws/credentials", SECRET],
    [".pgpass", SECRET],
    ["keys/server.ppk", SECRET],
    ["home/.docker/config.json", SECRET],
    [".envrc", SECRET],
    ["deploy/prod.env", SECRET],
    ["infra/terraform.tfstate", SECRET],
    ["infra/terraform.tfstate.backup", SECRET],
    // lock files
    ["package-lock.json", "lock file"],
    ["web/npm-shrinkwrap.json", "lock file"],
    ["yarn.lock", "lock file"],
    ["pnpm-lock.yaml", "lock file"],
    ["bun.lockb", "lock file"],
    ["crates/x/Cargo.lock", "lock file"],
    ["go.sum", "lock file"],
    ["poetry.lock", "lock file"],
    ["Pipfile.lock", "lock file"],
    ["uv.lock", "lock file"],
    ["composer.lock", "lock file"],
    ["Gemfile.lock", "lock file"],
    ["mix.lock", "lock file"],
    ["app/pubspec.lock", "lock file"],
    ["ios/Podfile.lock", "lock file"],
    ["src/App/packages.lock.json", "lock file"],
    ["flake.lock", "lock file"],
    ["deps/anything.lock", "lock file"],
    // generated or minified
    ["public/jquery.min.js", GENERATED],
    ["public/site.min.css", GENERATED],
    ["public/app.js.map", GENERATED],
    ["api/user.pb.go", GENERATED],
    ["api/user_pb2.py", GENERATED],
    ["api/user.pb.ts", GENERATED],
    ["src/schema_generated.ts", GENERATED],
    ["src/Api.generated.cs", GENERATED],
    ["lib/model.g.dart", GENERATED],
    ["test/__snapshots__/app.test.ts.snap", GENERATED],
    ["dist/index.js", GENERATED],
    ["packages/web/dist/index.js", GENERATED],
    ["build/app.js", GENERATED],
    ["out/main.js", GENERATED],
    ["coverage/lcov.info", GENERATED],
    ["packages/web/coverage/lcov.info", GENERATED],
    // build/ and out/ only at the root: below it, a folder of that name is usually source.
    ["scripts/build/release.ts", "reviewable"],
    ["internal/out/writer.go", "reviewable"],
    // vendored
    ["vendor/github.com/pkg/errors/errors.go", "vendored"],
    ["node_modules/left-pad/index.js", "vendored"],
    ["libs/third_party/zlib/zlib.c", "vendored"],
    ["ios/Pods/Alamofire/Source/AF.swift", "vendored"],
    // look-alikes that are ordinary source
    ["src/envelope.ts", "reviewable"],
    ["src/.environment.ts", "reviewable"],
    ["keyboard.ts", "reviewable"],
    ["src/keys.ts", "reviewable"],
    ["src/secret-santa.ts", "reviewable"],
    // security code named after secrets is code, and most needs a review
    ["src/secrets.ts", "reviewable"],
    ["lib/Secrets.py", "reviewable"],
    ["src/secrets/rotate.ts", "reviewable"],
    ["app/secrets/store.go", "reviewable"],
    ["src/environment.env.ts", "reviewable"],
    ["docs/aws/credentials.md", "reviewable"],
    ["docs/build-guide.md", "reviewable"],
    ["src/builder/index.ts", "reviewable"],
    ["src/output.ts", "reviewable"],
    ["lockfile.ts", "reviewable"],
    ["src/lock.ts", "reviewable"],
    ["src/vendor.ts", "reviewable"],
    ["src/vendors/list.ts", "reviewable"],
    ["src/minify.js", "reviewable"],
    ["src/roadmap.ts", "reviewable"],
    ["README.md", "reviewable"],
    [".github/workflows/ci.yml", "reviewable"],
  ])("gives %s the verdict: %s", (path, expected) => {
    expect(verdict(file({ path }))).toBe(expected);
  });

  it.each<[string, FileOverrides, string]>([
    ["a removed file", { status: "removed", additions: 0, deletions: 3, changes: 3 }, "removed"],
    ["a removed file without a patch", { status: "removed", patch: null }, "removed"],
    [
      "a binary file",
      { status: "added", additions: 0, deletions: 0, changes: 0, patch: null },
      "binary or no patch from GitHub",
    ],
    [
      "a file too large for GitHub to show",
      { changes: 90_000, patch: null },
      "binary or no patch from GitHub",
    ],
    ["a file with an empty patch", { patch: "" }, "binary or no patch from GitHub"],
    [
      "a renamed file without changes",
      { status: "renamed", previousPath: "src/old.ts", additions: 0, deletions: 0, changes: 0, patch: null },
      "renamed without changes",
    ],
    [
      "a renamed binary file with changes",
      { status: "renamed", previousPath: "img/old.png", changes: 1, patch: null },
      "binary or no patch from GitHub",
    ],
    ["a renamed file with changes", { status: "renamed", previousPath: "src/old.ts" }, "reviewable"],
    [
      "an added file",
      { status: "added", deletions: 0, changes: 1, patch: "@@ -0,0 +1 @@\n+a" },
      "reviewable",
    ],
  ])("skips by status and patch: %s → %s", (_, overrides, expected) => {
    const input = file({ path: "src/file.ts", ...overrides });
    expect(verdict(input)).toBe(expected);
  });

  describe("when a patch is large", () => {
    it.each<[string, number | undefined, string, string]>([
      ["exactly the default limit", undefined, "a".repeat(DEFAULT_MAX_PATCH_BYTES), "reviewable"],
      ["one byte over the default limit", undefined, "a".repeat(200_001), "larger than 200 KB of diff"],
      ["over the limit in UTF-8 bytes but not in characters", 10, "ééééé é", "larger than 10 bytes of diff"],
      ["within a configured limit", 1500, "a".repeat(1500), "reviewable"],
      ["over a configured limit", 1500, "a".repeat(1501), "larger than 1.5 KB of diff"],
    ])("judges a patch %s", (_, maxPatchBytes, patch, expected) => {
      const options = maxPatchBytes === undefined ? {} : { maxPatchBytes };
      expect(verdict(file({ path: "src/big.ts", patch }), options)).toBe(expected);
    });

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
      "rejects a maxPatchBytes of %s",
      (maxPatchBytes) => {
        expect(() => selectFiles({ files: [], maxPatchBytes })).toThrow(
          `Expected \`maxPatchBytes\` to be a positive number, got ${maxPatchBytes}`,
        );
      },
    );
  });

  describe("with exclude globs", () => {
    it.each<[string, string[], string]>([
      ["docs/guide.md", ["docs/**"], "excluded by configuration"],
      ["src/a.test.ts", ["**/*.test.ts"], "excluded by configuration"],
      [".github/workflows/ci.yml", [".github/**"], "excluded by configuration"],
      ["src/.hidden/x.ts", ["src/**"], "excluded by configuration"],
      ["src/a.ts", ["docs/**", "**/*.md"], "reviewable"],
      // Globs match the whole path: `*.md` is only the top level.
      ["docs/guide.md", ["*.md"], "reviewable"],
      ["README.md", ["*.md"], "excluded by configuration"],
    ])("gives %s excluded by %j the verdict: %s", (path, exclude, expected) => {
      expect(verdict(file({ path }), { exclude })).toBe(expected);
    });

    it("names the built-in reason when a file is both built-in skipped and excluded", () => {
      expect(verdict(file({ path: "yarn.lock" }), { exclude: ["**"] })).toBe("lock file");
      expect(verdict(file({ path: "src/a.ts", status: "removed" }), { exclude: ["**"] })).toBe("removed");
    });
  });

  describe("with a secret-like file", () => {
    it.each<[string, FileOverrides, string[]]>([
      ["a reviewable file in every other respect", {}, []],
      ["a removed file", { status: "removed" }, []],
      ["a file without a patch", { patch: null }, []],
      ["a file that is also excluded", {}, ["**"]],
      ["a file that is also too large", { patch: "a".repeat(300_000) }, []],
    ])("skips it as a secret even when it is %s", (_, overrides, exclude) => {
      const input = file({ path: "config/.env.local", ...overrides });
      expect(verdict(input, { exclude })).toBe(SECRET);
    });

    it("skips a file renamed away from a secret-like name", () => {
      const input = file({ path: "config/settings.txt", previousPath: "config/.env", status: "renamed" });
      expect(verdict(input)).toBe(SECRET);
    });

    it("ranks secrets above the vendored and lock file rules", () => {
      expect(verdict(file({ path: "vendor/acme/id_rsa" }))).toBe(SECRET);
      expect(verdict(file({ path: "secrets/yarn.lock" }))).toBe(SECRET);
    });
  });

  it("keeps input order in both lists", () => {
    const files = [
      file({ path: "b.ts" }),
      file({ path: "yarn.lock" }),
      file({ path: "a.ts" }),
      file({ path: ".env" }),
      file({ path: "c.ts" }),
      file({ path: "old.ts", status: "removed" }),
    ];

    expect(selectFiles({ files })).toEqual({
      reviewable: [files[0], files[2], files[4]],
      skipped: [
        { path: "yarn.lock", reason: "lock file" },
        { path: ".env", reason: SECRET },
        { path: "old.ts", reason: "removed" },
      ],
    });
  });

  it("returns the files it was given, not copies", () => {
    const input = file({ path: "src/a.ts" });
    expect(selectFiles({ files: [input] }).reviewable[0]).toBe(input);
  });
});

describe("selectFiles with paths.include", () => {
  const file = (path: string) => ({
    path,
    status: "modified" as const,
    additions: 1,
    deletions: 0,
    changes: 1,
    patch: "@@ -1 +1 @@\n-a\n+b",
  });

  it("reviews only the files matching one of its globs, and says why the others were skipped", () => {
    const result = selectFiles({
      files: [file("src/a.ts"), file("docs/a.md"), file("lib/b.ts")],
      include: ["src/**", "lib/*.ts"],
    });
    expect(result.reviewable.map((one) => one.path)).toEqual(["src/a.ts", "lib/b.ts"]);
    expect(result.skipped).toEqual([{ path: "docs/a.md", reason: "excluded by configuration" }]);
  });

  it("still applies exclude and the built-in skips to included files", () => {
    const result = selectFiles({
      files: [file("src/a.ts"), file("src/gen/a_generated.ts"), file("src/.env")],
      include: ["src/**"],
      exclude: ["src/a.ts"],
    });
    expect(result.reviewable).toEqual([]);
    expect(result.skipped.map((one) => one.path)).toEqual(["src/a.ts", "src/gen/a_generated.ts", "src/.env"]);
  });
});
