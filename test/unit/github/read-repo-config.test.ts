import nock from "nock";
import type { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { createGitHubAccess } from "../../../src/github/create-github-access.js";
import { createOctokitClass } from "../../../src/github/create-octokit-class.js";
import {
  CONFIG_PATH,
  ConfigFileError,
  MAX_CONFIG_BYTES,
  readRepoConfig,
} from "../../../src/github/read-repo-config.js";
import { APP_SLUG, GITHUB } from "../../helpers/github-mocks.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

const OWNER = "octo-org";
const REPO = "app";

function createOctokit(): Octokit {
  // Retries off: a failed request is the test's subject, not something to try again.
  const Octokit = createOctokitClass({ enabled: false }, { retry: { enabled: false } });
  return new Octokit({ auth: { token: "test-token" } }) as Octokit;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The contents API's path for a file, with `/` in the file's path sent as is or encoded. */
function contentsPath(owner: string, repo: string, path: string): RegExp {
  const file = path.split("/").map(escapeRegExp).join("(?:/|%2F)");
  return new RegExp(`^/repos/${escapeRegExp(owner)}/${escapeRegExp(repo)}/contents/${file}$`);
}

/**
 * One file as the contents API serves it raw (`body`), or 404. Returns how many times it was asked for; with
 * `persist` it may be asked any number of times (at least once), else exactly once.
 */
function mockFile(params: {
  owner?: string;
  repo: string;
  path?: string;
  body: string | 404;
  persist?: boolean;
}) {
  const asked = { count: 0 };
  const scope = nock(GITHUB, { reqheaders: { accept: /application\/vnd\.github\.v3\.raw/ } });
  if (params.persist) scope.persist();
  scope.get(contentsPath(params.owner ?? OWNER, params.repo, params.path ?? CONFIG_PATH)).reply(() => {
    asked.count++;
    return params.body === 404 ? [404, { message: "Not Found" }] : [200, params.body];
  });
  return asked;
}

function read(params: { repo?: string; extendsOwners?: readonly string[] } = {}) {
  return readRepoConfig(createOctokit(), {
    owner: OWNER,
    repo: params.repo ?? REPO,
    ...(params.extendsOwners === undefined ? {} : { extendsOwners: params.extendsOwners }),
  });
}

describe("readRepoConfig", () => {
  describe("without _extends", () => {
    it("reads the repository's file", async () => {
      mockFile({ repo: REPO, body: "max_comments: 3\npaths:\n  exclude: []\n" });
      await expect(read()).resolves.toEqual({
        raw: { max_comments: 3, paths: { exclude: [] } },
        problems: [],
      });
    });

    it("falls back to the owner's .github repository when the repository has no file", async () => {
      mockFile({ repo: REPO, body: 404 });
      mockFile({ repo: ".github", body: "language: French\n" });
      await expect(read()).resolves.toEqual({ raw: { language: "French" }, problems: [] });
    });

    it("answers null when neither has a file", async () => {
      mockFile({ repo: REPO, body: 404 });
      mockFile({ repo: ".github", body: 404 });
      await expect(read()).resolves.toEqual({ raw: null, problems: [] });
    });
  });

  describe("with _extends within the same owner", () => {
    it("lays the repository's file over the owner's .github file: mappings merge, lists are replaced", async () => {
      mockFile({
        repo: REPO,
        body: "_extends: .github\nmax_comments: 2\npaths:\n  exclude: []\nescalate:\n  paths: []\n",
      });
      mockFile({
        repo: ".github",
        body: [
          "max_comments: 9",
          "language: French",
          "paths:",
          "  include: ['src/**']",
          "  exclude: ['**']",
          "escalate:",
          "  label: deep-review",
          "  paths: ['**']",
        ].join("\n"),
      });
      await expect(read()).resolves.toEqual({
        raw: {
          max_comments: 2,
          language: "French",
          paths: { include: ["src/**"], exclude: [] },
          escalate: { label: "deep-review", paths: [] },
        },
        problems: [],
      });
    });

    it("reads another repository of the owner", async () => {
      mockFile({ repo: REPO, body: "_extends: shared-config\nmax_comments: 1\n" });
      mockFile({ repo: "shared-config", body: "min_severity: major\nmax_comments: 7\n" });
      await expect(read()).resolves.toEqual({
        raw: { min_severity: "major", max_comments: 1 },
        problems: [],
      });
    });

    it("reads the file named after a colon", async () => {
      mockFile({ repo: REPO, body: "_extends: shared-config:review/base.yml\n" });
      mockFile({ repo: "shared-config", path: "review/base.yml", body: "language: German\n" });
      await expect(read()).resolves.toEqual({ raw: { language: "German" }, problems: [] });
    });

    it("follows _extends of the owner's .github file when the repository has none", async () => {
      mockFile({ repo: REPO, body: 404 });
      mockFile({ repo: ".github", body: "_extends: shared-config\nmax_comments: 4\n" });
      mockFile({ repo: "shared-config", body: "max_comments: 8\nlanguage: Dutch\n" });
      await expect(read()).resolves.toEqual({ raw: { max_comments: 4, language: "Dutch" }, problems: [] });
    });

    it("accepts the owner's name in any case", async () => {
      mockFile({ repo: REPO, body: "_extends: OCTO-ORG/shared-config\n" });
      mockFile({ owner: "OCTO-ORG", repo: "shared-config", body: "max_comments: 5\n" });
      await expect(read()).resolves.toEqual({ raw: { max_comments: 5 }, problems: [] });
    });
  });

  describe("with _extends naming another owner", () => {
    it("does not read it, keeps the repository's own keys and names the problem", async () => {
      // No mock for evil-corp: a request there would fail the test.
      mockFile({ repo: REPO, body: "_extends: evil-corp/configs\nmax_comments: 2\n" });
      await expect(read()).resolves.toEqual({
        raw: { max_comments: 2 },
        problems: [
          {
            key: "_extends",
            message:
              "evil-corp/configs:.github/deepseek-review.yml belongs to another owner; only repositories of octo-org may be extended, so it was not read",
            used: undefined,
          },
        ],
      });
    });

    it("reads it when the operator allows that owner (CONFIG_EXTENDS_OWNERS), in any case", async () => {
      mockFile({ repo: REPO, body: "_extends: partner/configs:base.yml\nmax_comments: 2\n" });
      mockFile({ owner: "partner", repo: "configs", path: "base.yml", body: "language: Spanish\n" });
      await expect(read({ extendsOwners: ["Partner"] })).resolves.toEqual({
        raw: { language: "Spanish", max_comments: 2 },
        problems: [],
      });
    });

    it("still refuses an owner the operator did not list", async () => {
      mockFile({ repo: REPO, body: "_extends: evil-corp/configs\n" });
      const { problems } = await read({ extendsOwners: ["partner"] });
      expect(problems.map((problem) => problem.message)).toEqual([
        expect.stringContaining("evil-corp/configs:.github/deepseek-review.yml belongs to another owner"),
      ]);
    });

    it("gets the operator's list through the installation's GitHub access", async () => {
      const octokit = createOctokit();
      nock(GITHUB).get("/app").reply(200, { id: 1, slug: APP_SLUG });
      mockFile({ repo: REPO, body: "_extends: partner/configs\n" });
      mockFile({ owner: "partner", repo: "configs", body: "max_comments: 6\n" });
      const access = createGitHubAccess({ app: { auth: async () => octokit }, extendsOwners: ["partner"] });
      const github = await access.forInstallation(1);
      await expect(github.readConfig({ owner: OWNER, repo: REPO })).resolves.toEqual({
        raw: { max_comments: 6 },
        problems: [],
      });
    });
  });

  describe("with a chain of files", () => {
    it("reads three files beyond the repository's, the nearest winning, and names the fourth it did not read", async () => {
      mockFile({ repo: REPO, body: "_extends: one\nmax_comments: 1\n" });
      mockFile({ repo: "one", body: "_extends: two\nmax_comments: 2\nlanguage: one\n" });
      mockFile({ repo: "two", body: "_extends: three\nlanguage: two\nmin_severity: minor\n" });
      mockFile({ repo: "three", body: "_extends: four\nmin_severity: major\nauto_review: false\n" });
      // No mock for "four": reading it would fail the test.
      await expect(read()).resolves.toEqual({
        raw: { max_comments: 1, language: "one", min_severity: "minor", auto_review: false },
        problems: [
          {
            key: "_extends",
            message:
              "more than 3 files extend each other; octo-org/four:.github/deepseek-review.yml was not read",
            used: undefined,
          },
        ],
      });
    });

    it("stops at a loop, reads each file at most twice and names the loop", async () => {
      const own = mockFile({ repo: REPO, body: "_extends: .github\nmax_comments: 1\n", persist: true });
      const shared = mockFile({ repo: ".github", body: "_extends: app\nlanguage: Greek\n", persist: true });
      const { raw, problems } = await read();
      expect(raw).toEqual({ max_comments: 1, language: "Greek" });
      expect(problems).toEqual([
        {
          key: "_extends",
          message: expect.stringMatching(/was already read \(the files extend each other in a loop\)$/),
          used: undefined,
        },
      ]);
      expect(own.count).toBeLessThanOrEqual(2);
      expect(shared.count).toBeLessThanOrEqual(2);
    });

    it("stops at a file that extends itself", async () => {
      const own = mockFile({ repo: REPO, body: "_extends: app\nmax_comments: 1\n", persist: true });
      const { raw, problems } = await read();
      expect(raw).toEqual({ max_comments: 1 });
      expect(problems.map((problem) => problem.message)).toEqual([
        "octo-org/app:.github/deepseek-review.yml was already read (the files extend each other in a loop)",
      ]);
      expect(own.count).toBeLessThanOrEqual(2);
    });

    it("keeps what it read when the extended file does not exist, and names it", async () => {
      mockFile({ repo: REPO, body: "_extends: one\nmax_comments: 1\n" });
      mockFile({ repo: "one", body: "_extends: gone:base.yml\nlanguage: Czech\n" });
      mockFile({ repo: "gone", path: "base.yml", body: 404 });
      await expect(read()).resolves.toEqual({
        raw: { max_comments: 1, language: "Czech" },
        problems: [{ key: "_extends", message: "octo-org/gone:base.yml has no such file", used: undefined }],
      });
    });

    it.each<[string, string]>([
      ["a path that climbs out", "_extends: shared:../../etc/passwd.yml"],
      ["a number", "_extends: 42"],
      ["a list", "_extends: [one, two]"],
    ])("reads nothing more for _extends that is %s, and names the problem", async (_name, line) => {
      mockFile({ repo: REPO, body: `${line}\nmax_comments: 1\n` });
      await expect(read()).resolves.toEqual({
        raw: { max_comments: 1 },
        problems: [
          {
            key: "_extends",
            message: "expected `repo`, `owner/repo` or either with `:path/file.yml`; ignored",
            used: undefined,
          },
        ],
      });
    });
  });

  describe("with a file over the size cap", () => {
    /** A YAML file of exactly `bytes` bytes: a setting, then a comment that pads it out with `filler`. */
    function fileOf(bytes: number, filler = "a"): string {
      const head = "max_comments: 3\n# ";
      const fillerBytes = Buffer.byteLength(filler);
      const text = head + filler.repeat(Math.floor((bytes - head.length) / fillerBytes));
      return text + "a".repeat(bytes - Buffer.byteLength(text));
    }

    it("reads a file of exactly the cap", async () => {
      const body = fileOf(MAX_CONFIG_BYTES);
      expect(Buffer.byteLength(body)).toBe(65_536);
      mockFile({ repo: REPO, body });
      await expect(read()).resolves.toEqual({ raw: { max_comments: 3 }, problems: [] });
    });

    it("refuses the repository's file one byte over the cap", async () => {
      mockFile({ repo: REPO, body: fileOf(MAX_CONFIG_BYTES + 1) });
      await expect(read()).rejects.toThrow(
        new ConfigFileError("octo-org/app:.github/deepseek-review.yml is larger than 64 KB"),
      );
    });

    it("counts bytes, not characters", async () => {
      const body = fileOf(MAX_CONFIG_BYTES + 2, "é");
      expect(body.length).toBeLessThan(MAX_CONFIG_BYTES);
      mockFile({ repo: REPO, body });
      await expect(read()).rejects.toBeInstanceOf(ConfigFileError);
    });

    it("refuses an extended file over the cap", async () => {
      mockFile({ repo: REPO, body: "_extends: .github\nmax_comments: 1\n" });
      mockFile({ repo: ".github", body: fileOf(MAX_CONFIG_BYTES + 1) });
      await expect(read()).rejects.toThrow(
        new ConfigFileError("octo-org/.github:.github/deepseek-review.yml is larger than 64 KB"),
      );
    });
  });

  it("refuses an extended path that is a directory", async () => {
    mockFile({ repo: REPO, body: "_extends: shared-config:configs.yml\n" });
    nock(GITHUB)
      .get(contentsPath(OWNER, "shared-config", "configs.yml"))
      .reply(200, [{ type: "file", name: "a.yml", path: "configs.yml/a.yml" }]);
    await expect(read()).rejects.toThrow(
      new ConfigFileError("octo-org/shared-config:configs.yml is a directory or a submodule, not a file"),
    );
  });

  it("refuses an extended file that is not YAML", async () => {
    mockFile({ repo: REPO, body: "_extends: .github\n" });
    mockFile({ repo: ".github", body: "max_comments: [1, 2\n" });
    const error = await read().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as Error).message).toMatch(/^could not be read as YAML: /);
  });

  it("throws a GitHub error other than 404 for the job to try again", async () => {
    nock(GITHUB)
      .get(contentsPath(OWNER, REPO, CONFIG_PATH))
      .reply(502, { message: "Bad Gateway" });
    const error = await read().catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(ConfigFileError);
    expect(error).toMatchObject({ status: 502 });
  });
});
