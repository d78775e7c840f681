import { describe, expect, it } from "vitest";
import { type ConfigProblem, DEFAULT_REPO_CONFIG, type RepoConfig } from "../../../src/config/repo-config.js";
import { ConfigFileError } from "../../../src/github/read-repo-config.js";
import { loadRepoConfig } from "../../../src/jobs/load-repo-config.js";
import { createRecordingLogger } from "../../helpers/fakes.js";

/** Defaults as the environment makes them: `REVIEW_MAX_COMMENTS=30`. */
const defaults: RepoConfig = { ...structuredClone(DEFAULT_REPO_CONFIG), max_comments: 30 };

/** Loads the configuration that `raw` gives (a function may throw instead). */
function load(raw: () => Promise<unknown>, problems: ConfigProblem[] = []) {
  const log = createRecordingLogger();
  return {
    log,
    result: loadRepoConfig({ read: async () => ({ raw: await raw(), problems }), defaults, log }),
  };
}

/** What src/github/read-repo-config.ts throws for a file that is not YAML. */
function yamlError(): Error {
  return new ConfigFileError(
    "could not be read as YAML: bad indentation of a mapping entry at line 3, column 5:",
  );
}

/** An error shaped like Octokit's RequestError. */
function httpError(status: number): Error {
  return Object.assign(new Error("Server Error"), { name: "HttpError", status });
}

describe("loadRepoConfig", () => {
  describe("when the repository has no file", () => {
    it("uses the defaults and reports no problem", async () => {
      const { log, result } = load(async () => null);
      await expect(result).resolves.toEqual({ config: defaults, problems: [] });
      expect(log.entries).toEqual([]);
    });
  });

  describe("when the file has a valid key and bad ones", () => {
    it("keeps the valid key, uses the defaults for the others and lists each problem", async () => {
      const { log, result } = load(async () => ({
        language: "Deutsch",
        max_comments: 500,
        colour: "red",
      }));
      const { config, problems } = await result;
      expect(config).toEqual({ ...defaults, language: "Deutsch" });
      expect(problems).toEqual([
        { key: "max_comments", message: "expected a whole number from 0 to 100, got 500", used: 30 },
        { key: "colour", message: "unknown key, ignored", used: undefined },
      ]);
      expect(log.entries).toEqual([
        {
          level: "warn",
          obj: { keys: ["max_comments", "colour"] },
          msg: "repository configuration has problems",
        },
      ]);
    });
  });

  describe("when the file is not valid YAML", () => {
    it("uses the defaults and reports the first line of the parser's message as a problem of the file", async () => {
      const { log, result } = load(async () => {
        throw yamlError();
      });
      await expect(result).resolves.toEqual({
        config: defaults,
        problems: [
          {
            key: "(file)",
            message: "could not be read as YAML: bad indentation of a mapping entry at line 3, column 5:",
            used: undefined,
          },
        ],
      });
      expect(log.withMessage("repository configuration not readable")).toHaveLength(1);
    });
  });

  describe("when reading the files met problems (an `_extends` refused)", () => {
    it("lists them before the problems of the keys", async () => {
      const refused = { key: "_extends", message: "other/repo belongs to another owner", used: undefined };
      const { result } = load(async () => ({ colour: "red" }), [refused]);
      const { problems } = await result;
      expect(problems).toEqual([
        refused,
        { key: "colour", message: "unknown key, ignored", used: undefined },
      ]);
    });
  });

  describe("when GitHub answers with an error", () => {
    it.each([500, 403])("rethrows an HTTP %i error", async (status) => {
      const error = httpError(status);
      const { log, result } = load(async () => {
        throw error;
      });
      await expect(result).rejects.toBe(error);
      expect(log.entries).toEqual([]);
    });
  });
});
