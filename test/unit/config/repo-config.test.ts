import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type ConfigProblem,
  configJsonSchema,
  DEFAULT_REPO_CONFIG,
  matchesAuthor,
  parseRepoConfig,
  type RepoConfig,
  renderConfigProblems,
  renderConfigTable,
} from "../../../src/config/repo-config.js";

const ROOT = new URL("../../../", import.meta.url);
const readText = (path: string) => readFileSync(new URL(path, ROOT), "utf8");
const fixture = (name: string): unknown => parse(readText(`test/fixtures/config/${name}`));

const defaults = (): RepoConfig => structuredClone(DEFAULT_REPO_CONFIG);
const withDefaults = (overrides: Partial<RepoConfig>): RepoConfig => ({ ...defaults(), ...overrides });

describe("DEFAULT_REPO_CONFIG", () => {
  it("holds the default of every key", () => {
    expect(DEFAULT_REPO_CONFIG).toEqual({
      enabled: true,
      auto_review: {
        enabled: true,
        base_branches: [],
        drafts: false,
        ignore_title_keywords: ["WIP", "[skip review]", "DO NOT MERGE"],
        labels: [],
        skip_labels: ["skip-review"],
        ignore_authors: ["*[bot]"],
      },
      paths: { include: [], exclude: [] },
      language: "English",
      instructions: "",
      max_comments: 20,
      min_severity: "nit",
      max_chunk_tokens: 12_000,
      max_pr_tokens: 400_000,
      context_lines: 20,
      context_max_file_tokens: 2_000,
      verify: "on",
      verify_min_severity: "minor",
      model: "flash",
      escalate: { label: "deep-review", paths: [] },
      review_command: { min_permission: "write" },
      show_cost: true,
      fail_on: "off",
      path_instructions: [],
      monthly_budget_usd: 0,
    });
  });

  it("is frozen, so no caller can change the defaults of the next repository", () => {
    expect(Object.isFrozen(DEFAULT_REPO_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_REPO_CONFIG.paths.include)).toBe(true);
  });
});

describe("parseRepoConfig", () => {
  describe("with a valid file", () => {
    it.each<{ name: string; raw: unknown; config: RepoConfig }>([
      { name: "no file (null)", raw: null, config: defaults() },
      { name: "no file (undefined)", raw: undefined, config: defaults() },
      { name: "an empty mapping", raw: {}, config: defaults() },
      { name: "an empty YAML file", raw: fixture("valid-empty.yml"), config: defaults() },
      {
        name: "every key set",
        raw: fixture("valid-full.yml"),
        config: {
          enabled: true,
          // Written as `auto_review: false` with the keys of earlier versions at the top.
          auto_review: {
            ...defaults().auto_review,
            enabled: false,
            drafts: true,
            ignore_authors: ["*[bot]", "octocat"],
            skip_labels: ["wip", "no-review"],
          },
          paths: { include: ["src/**", "lib/**"], exclude: ["src/generated/**"] },
          language: "Deutsch",
          instructions: "We use tabs, not spaces.\nFlag any use of eval.\n",
          max_comments: 5,
          min_severity: "major",
          max_chunk_tokens: 8_000,
          max_pr_tokens: 100_000,
          context_lines: 10,
          context_max_file_tokens: 500,
          verify: "off",
          verify_min_severity: "major",
          model: "pro",
          escalate: { label: "security-review", paths: ["src/auth/**"] },
          review_command: { min_permission: "maintain" },
          show_cost: false,
          fail_on: "off",
          path_instructions: [],
          monthly_budget_usd: 12.5,
        },
      },
      {
        name: "some keys, nested ones partly",
        raw: fixture("valid-partial.yml"),
        config: withDefaults({
          language: "日本語",
          paths: { include: [], exclude: ["docs/**"] },
          escalate: { label: "deep-review", paths: ["crypto/**"] },
        }),
      },
      {
        name: "Probot's _extends key",
        raw: fixture("valid-extends.yml"),
        config: withDefaults({ max_comments: 0 }),
      },
      {
        name: "the bounds of every range",
        raw: {
          max_comments: 100,
          max_chunk_tokens: 1_000,
          max_pr_tokens: 2_000_000,
          language: "x".repeat(64),
        },
        config: withDefaults({
          max_comments: 100,
          max_chunk_tokens: 1_000,
          max_pr_tokens: 2_000_000,
          language: "x".repeat(64),
        }),
      },
      {
        name: "auto_review as a mapping, over a key of earlier versions it sets itself",
        raw: {
          drafts: true,
          skip_labels: ["old"],
          auto_review: { skip_labels: ["new"], base_branches: ["main", "release/**"], labels: ["ready"] },
        },
        config: withDefaults({
          auto_review: {
            ...defaults().auto_review,
            drafts: true,
            skip_labels: ["new"],
            base_branches: ["main", "release/**"],
            labels: ["ready"],
          },
        }),
      },
      {
        name: "auto_review: true, fail_on and path_instructions",
        raw: {
          auto_review: true,
          fail_on: "major",
          path_instructions: [{ paths: ["src/db/**"], instructions: "Every query is parameterised." }],
        },
        config: withDefaults({
          fail_on: "major",
          path_instructions: [{ paths: ["src/db/**"], instructions: "Every query is parameterised." }],
        }),
      },
      {
        name: "empty lists and an empty escalation label",
        raw: { ignore_authors: [], auto_review: { skip_labels: [] }, escalate: { label: "" } },
        config: withDefaults({
          auto_review: { ...defaults().auto_review, ignore_authors: [], skip_labels: [] },
          escalate: { label: "", paths: [] },
        }),
      },
    ])("reads $name without problems", ({ raw, config }) => {
      expect(parseRepoConfig(raw)).toEqual({ config, problems: [] });
    });
  });

  describe("with an invalid file", () => {
    it.each<{ name: string; raw: unknown; config: RepoConfig; problems: ConfigProblem[] }>([
      {
        name: "broken keys next to good ones",
        raw: fixture("invalid-mixed.yml"),
        config: withDefaults({
          auto_review: { ...defaults().auto_review, drafts: true },
          model: "pro",
          paths: { include: [], exclude: ["vendor/**"] },
        }),
        problems: [
          { key: "max_comments", message: 'expected a whole number from 0 to 100, got "lots"', used: 20 },
          {
            key: "min_severity",
            message: 'expected one of "critical", "major", "minor" or "nit", got "blocker"',
            used: "nit",
          },
          {
            key: "paths.include",
            message:
              'expected a list of at most 50 strings of 1 to 200 characters, got "src/**"; write a single item as a list: ["src/**"]',
            used: [],
          },
          {
            key: "language",
            message: "expected a string of 1 to 64 characters, got a string of 74 characters",
            used: "English",
          },
          {
            key: "maxComments",
            message: "unknown key, ignored; did you mean max_comments?",
            used: undefined,
          },
          // A key of earlier versions, read as its new one.
          {
            key: "auto_review.ignore_authors",
            message: "expected a list of at most 100 strings of 1 to 100 characters, got [1]",
            used: ["*[bot]"],
          },
        ],
      },
      {
        name: "path_instructions without paths, too many globs, and an unknown fail_on",
        raw: {
          fail_on: "blocker",
          path_instructions: [{ paths: [], instructions: "x" }],
          auto_review: { base_branches: Array.from({ length: 51 }, (_, index) => `b${index}`) },
        },
        config: defaults(),
        problems: [
          {
            key: "fail_on",
            message: 'expected one of "off", "critical", "major", "minor" or "nit", got "blocker"',
            used: "off",
          },
          {
            key: "path_instructions",
            message: 'expected a list, got [{"paths":[],"instructions":"x"}]',
            used: [],
          },
          {
            key: "auto_review.base_branches",
            message:
              "expected a list of at most 50 strings of 1 to 200 characters, got a list too long to show",
            used: [],
          },
        ],
      },
      {
        name: "a list at the top of the file",
        raw: fixture("invalid-list.yml"),
        config: defaults(),
        problems: [
          {
            key: "(file)",
            message: 'expected a mapping of keys to values at the top of the file, got [{"enabled":false}]',
            used: DEFAULT_REPO_CONFIG,
          },
        ],
      },
      {
        name: "text at the top of the file",
        raw: fixture("invalid-scalar.yml"),
        config: defaults(),
        problems: [
          {
            key: "(file)",
            message: 'expected a mapping of keys to values at the top of the file, got "just some text"',
            used: DEFAULT_REPO_CONFIG,
          },
        ],
      },
      {
        name: "a nested section that is not a mapping",
        raw: { escalate: "pro", review_command: ["admin"] },
        config: defaults(),
        problems: [
          {
            key: "escalate",
            message: 'expected a mapping with the keys label and paths, got "pro"',
            used: { label: "deep-review", paths: [] },
          },
          {
            key: "review_command",
            message: 'expected a mapping with the keys min_permission, got ["admin"]',
            used: { min_permission: "write" },
          },
        ],
      },
      {
        name: "unknown and wrong keys inside nested sections",
        raw: {
          paths: { includes: ["src/**"] },
          review_command: { min_permission: "owner", Min_Permission: "x" },
        },
        config: defaults(),
        problems: [
          { key: "paths.includes", message: "unknown key, ignored", used: undefined },
          {
            key: "review_command.min_permission",
            message: 'expected one of "read", "triage", "write", "maintain" or "admin", got "owner"',
            used: "write",
          },
          {
            key: "review_command.Min_Permission",
            message: "unknown key, ignored; did you mean min_permission?",
            used: undefined,
          },
        ],
      },
      {
        name: "empty values, fractions, quoted numbers and empty strings",
        raw: { enabled: null, max_chunk_tokens: 1_500.5, max_pr_tokens: "400000", skip_labels: [""] },
        config: defaults(),
        problems: [
          { key: "enabled", message: "expected true or false, got an empty value", used: true },
          {
            key: "max_chunk_tokens",
            message: "expected a whole number from 1,000 to 200,000, got 1500.5",
            used: 12_000,
          },
          {
            key: "max_pr_tokens",
            message: 'expected a whole number from 1,000 to 2,000,000, got "400000"',
            used: 400_000,
          },
          {
            key: "auto_review.skip_labels",
            message: 'expected a list of at most 100 strings of 1 to 50 characters, got [""]',
            used: ["skip-review"],
          },
        ],
      },
      {
        name: "values out of range",
        raw: { max_comments: 101, instructions: "x".repeat(4_001), language: "", model: "Flash" },
        config: defaults(),
        problems: [
          { key: "max_comments", message: "expected a whole number from 0 to 100, got 101", used: 20 },
          {
            key: "instructions",
            message: "expected a string of at most 4,000 characters, got a string of 4,001 characters",
            used: "",
          },
          { key: "language", message: 'expected a string of 1 to 64 characters, got ""', used: "English" },
          { key: "model", message: 'expected one of "flash" or "pro", got "Flash"', used: "flash" },
        ],
      },
      {
        name: "glob lists too long or with a glob too long to match cheaply",
        raw: {
          paths: {
            include: ["src/**", "x".repeat(65_537)],
            exclude: Array.from({ length: 20_000 }, (_, i) => `d${i}/**`),
          },
          escalate: { paths: Array.from({ length: 51 }, () => "src/auth/**") },
        },
        config: defaults(),
        problems: [
          {
            key: "paths.include",
            message:
              "expected a list of at most 50 strings of 1 to 200 characters, got a list too long to show",
            used: [],
          },
          {
            key: "paths.exclude",
            message:
              "expected a list of at most 50 strings of 1 to 200 characters, got a list too long to show",
            used: [],
          },
          {
            key: "escalate.paths",
            message:
              "expected a list of at most 50 strings of 1 to 200 characters, got a list too long to show",
            used: [],
          },
        ],
      },
    ])("keeps the good keys and reports $name", ({ raw, config, problems }) => {
      expect(parseRepoConfig(raw)).toEqual({ config, problems });
    });
  });

  describe("with defaults set by the environment", () => {
    const appDefaults = withDefaults({ max_comments: 7, max_chunk_tokens: 30_000 });

    it("uses them for missing keys", () => {
      expect(parseRepoConfig({ drafts: true }, appDefaults)).toEqual({
        config: { ...appDefaults, auto_review: { ...appDefaults.auto_review, drafts: true } },
        problems: [],
      });
    });

    it("uses them for broken keys and says so", () => {
      expect(parseRepoConfig({ max_comments: -1 }, appDefaults)).toEqual({
        config: appDefaults,
        problems: [
          { key: "max_comments", message: "expected a whole number from 0 to 100, got -1", used: 7 },
        ],
      });
    });

    it("lets the file override them", () => {
      expect(parseRepoConfig({ max_chunk_tokens: 2_000 }, appDefaults).config.max_chunk_tokens).toBe(2_000);
    });
  });

  it("returns a copy that can be changed without changing the defaults", () => {
    const { config } = parseRepoConfig({});
    config.paths.include.push("src/**");
    expect(DEFAULT_REPO_CONFIG.paths.include).toEqual([]);
  });
});

describe("renderConfigProblems", () => {
  it("renders nothing when there are no problems", () => {
    expect(renderConfigProblems([])).toBe("");
  });

  it("renders one bullet per problem with the value used", () => {
    const { problems } = parseRepoConfig(fixture("invalid-mixed.yml"));
    expect(renderConfigProblems(problems)).toBe(
      [
        "#### Configuration problems",
        "",
        '- `max_comments`: expected a whole number from 0 to 100, got "lots" — used `20`',
        '- `min_severity`: expected one of "critical", "major", "minor" or "nit", got "blocker" — used `"nit"`',
        '- `paths.include`: expected a list of at most 50 strings of 1 to 200 characters, got "src/**"; write a single item as a list: \\["src/**"] — used `[]`',
        '- `language`: expected a string of 1 to 64 characters, got a string of 74 characters — used `"English"`',
        "- `maxComments`: unknown key, ignored; did you mean max_comments?",
        '- `auto_review.ignore_authors`: expected a list of at most 100 strings of 1 to 100 characters, got \\[1] — used `["*[bot]"]`',
      ].join("\n"),
    );
  });

  it("says every default was used when the file is not a mapping", () => {
    const { problems } = parseRepoConfig(["a"]);
    expect(renderConfigProblems(problems)).toBe(
      '#### Configuration problems\n\n- `(file)`: expected a mapping of keys to values at the top of the file, got \\["a"] — used the defaults for every key',
    );
  });

  it.each([
    { key: "a`b", used: "x", line: '- ``a`b``: bad — used `"x"`' },
    { key: "k", used: "`tick`", line: '- `k`: bad — used ``"`tick`"``' },
    { key: "`edge", used: undefined, line: "- `` `edge ``: bad" },
  ])("keeps backticks in $key and $used inside their code spans", ({ key, used, line }) => {
    expect(renderConfigProblems([{ key, message: "bad", used }])).toBe(
      `#### Configuration problems\n\n${line}`,
    );
  });

  it("keeps a message from mentioning anyone", () => {
    expect(renderConfigProblems([{ key: "k", message: "got @octocat", used: undefined }])).toBe(
      "#### Configuration problems\n\n- `k`: got @\u200Doctocat",
    );
  });
});

describe("configJsonSchema", () => {
  it("matches the committed schema/deepseek-review.schema.json (run npm run generate:config)", () => {
    expect(readText("schema/deepseek-review.schema.json")).toBe(
      `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
    );
  });

  it("describes an object with no required keys, no unknown keys, and Probot's _extends", () => {
    const schema = configJsonSchema();
    expect(schema).toMatchObject({
      title: "deepseek-review configuration",
      type: "object",
      additionalProperties: false,
      properties: {
        max_comments: { type: "integer", minimum: 0, maximum: 100, default: 20 },
        paths: { type: "object", additionalProperties: false },
        _extends: { type: "string" },
      },
    });
    expect(schema).not.toHaveProperty("required");
    expect(schema).not.toHaveProperty("properties.paths.required");
  });
});

describe("renderConfigTable", () => {
  it("matches the README table between the config-table markers (run npm run generate:config)", () => {
    const readme = readText("README.md");
    const block = readme.match(/<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/);
    expect(block?.[1]).toBe(renderConfigTable());
  });

  it("has one row per dotted key with its default", () => {
    const lines = renderConfigTable().split("\n");
    expect(lines.slice(0, 2)).toEqual(["| key | default | meaning |", "|---|---|---|"]);
    expect(lines.map((line) => line.split(" | ")[0]?.replace("| ", ""))).toEqual([
      "key",
      "|---|---|---|",
      "`enabled`",
      "`auto_review.enabled`",
      "`auto_review.base_branches`",
      "`auto_review.drafts`",
      "`auto_review.ignore_title_keywords`",
      "`auto_review.labels`",
      "`auto_review.skip_labels`",
      "`auto_review.ignore_authors`",
      "`paths.include`",
      "`paths.exclude`",
      "`language`",
      "`instructions`",
      "`max_comments`",
      "`min_severity`",
      "`max_chunk_tokens`",
      "`max_pr_tokens`",
      "`context_lines`",
      "`context_max_file_tokens`",
      "`verify`",
      "`verify_min_severity`",
      "`model`",
      "`escalate.label`",
      "`escalate.paths`",
      "`review_command.min_permission`",
      "`show_cost`",
      "`fail_on`",
      "`path_instructions`",
      "`monthly_budget_usd`",
    ]);
    expect(lines).toContain(
      '| `auto_review.skip_labels` | `["skip-review"]` | A pull request with any of these labels is not reviewed automatically. |',
    );
  });
});

describe("matchesAuthor", () => {
  it.each([
    { login: "dependabot[bot]", patterns: DEFAULT_REPO_CONFIG.auto_review.ignore_authors, matches: true },
    { login: "renovate[bot]", patterns: DEFAULT_REPO_CONFIG.auto_review.ignore_authors, matches: true },
    { login: "octocat", patterns: DEFAULT_REPO_CONFIG.auto_review.ignore_authors, matches: false },
    { login: "b", patterns: DEFAULT_REPO_CONFIG.auto_review.ignore_authors, matches: false },
    { login: "Dependabot[BOT]", patterns: ["*[bot]"], matches: true },
    { login: "OctoCat", patterns: ["octocat"], matches: true },
    { login: "octocat2", patterns: ["octocat"], matches: false },
    { login: "octocat", patterns: ["octo*"], matches: true },
    { login: "octo", patterns: ["octo*"], matches: true },
    { login: "my-octocat", patterns: ["*cat"], matches: true },
    { login: "a-b-c", patterns: ["a*b*c"], matches: true },
    { login: "a-c-b", patterns: ["a*b*c"], matches: false },
    { login: "anything", patterns: ["*"], matches: true },
    { login: "octocat", patterns: ["oct?cat"], matches: false },
    { login: "oct?cat", patterns: ["oct?cat"], matches: true },
    { login: "b", patterns: ["[abc]"], matches: false },
    { login: "octocat", patterns: [], matches: false },
    { login: "octocat", patterns: ["hubot", "octo*"], matches: true },
    { login: "a".repeat(39), patterns: [`${"*a".repeat(30)}b`], matches: false },
  ])("$login against $patterns → $matches", ({ login, patterns, matches }) => {
    expect(matchesAuthor(login, patterns)).toBe(matches);
  });
});
