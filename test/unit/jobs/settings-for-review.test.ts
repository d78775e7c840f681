import { describe, expect, it } from "vitest";
import { type ConfigProblem, DEFAULT_REPO_CONFIG, type RepoConfig } from "../../../src/config/repo-config.js";
import type { ProcessSettings } from "../../../src/config/settings-from-env.js";
import { DEFAULT_PRICES } from "../../../src/cost/prices.js";
import { type ProReason, proReasonFor, settingsForReview } from "../../../src/jobs/settings-for-review.js";
import { defaultProcessSettings } from "../../helpers/fakes.js";

const processSettings: ProcessSettings = defaultProcessSettings({ repoDefaults: DEFAULT_REPO_CONFIG });

function config(overrides: Partial<RepoConfig> = {}): RepoConfig {
  return { ...structuredClone(DEFAULT_REPO_CONFIG), ...overrides };
}

describe("proReasonFor", () => {
  it.each<[string, Parameters<typeof proReasonFor>[0], ProReason | undefined]>([
    ["/review pro", { config: config(), labels: [], command: "pro" }, "command"],
    [
      "/review pro on a labelled pull request of a Pro repository (the command wins)",
      { config: config({ model: "pro" }), labels: ["deep-review"], command: "pro" },
      "command",
    ],
    ["the escalation label", { config: config(), labels: ["bug", "deep-review"] }, "label"],
    ["the escalation label in another case", { config: config(), labels: ["Deep-Review"] }, "label"],
    [
      "a configured escalation label",
      { config: config({ escalate: { label: "needs-pro", paths: [] } }), labels: ["NEEDS-PRO"] },
      "label",
    ],
    [
      "the escalation label in a Pro repository (the label wins)",
      { config: config({ model: "pro" }), labels: ["deep-review"] },
      "label",
    ],
    ["model: pro in the configuration", { config: config({ model: "pro" }), labels: [] }, "config"],
  ])("gives the reason of %s", (_name, params, expected) => {
    expect(proReasonFor(params)).toBe(expected);
  });

  it.each<[string, Parameters<typeof proReasonFor>[0]]>([
    ["a pull request without labels under the defaults", { config: config(), labels: [] }],
    ["labels that only contain the escalation label", { config: config(), labels: ["deep-review-later"] }],
    [
      "an empty escalation label, even against an empty label",
      { config: config({ escalate: { label: "", paths: [] } }), labels: ["", "deep-review"] },
    ],
  ])("gives no reason for %s", (_name, params) => {
    expect(proReasonFor(params)).toBeUndefined();
  });
});

describe("settingsForReview", () => {
  it("takes the process's models and limits and the default configuration", () => {
    expect(
      settingsForReview({ process: processSettings, config: config(), problems: [], pro: undefined }),
    ).toEqual({
      model: "deepseek-v4-flash",
      proModel: "deepseek-v4-pro",
      proPaths: [],
      maxChunkTokens: 12_000,
      maxOutputTokens: 4_096,
      maxComments: 20,
      maxFilePatchBytes: 200_000,
      maxPrTokens: 400_000,
      minSeverity: "nit",
      contextLines: 20,
      contextMaxFileTokens: 2_000,
      verify: true,
      verifyModel: "deepseek-v4-flash",
      verifyMinSeverity: "minor",
      temperature: 0.1,
      prices: DEFAULT_PRICES,
      include: [],
      exclude: [],
      language: "English",
      notes: [],
      showCost: true,
    });
  });

  it("carries the repository's limits, language, paths and instructions", () => {
    const repoConfig = config({
      max_comments: 5,
      max_chunk_tokens: 8_000,
      max_pr_tokens: 50_000,
      min_severity: "major",
      context_lines: 8,
      context_max_file_tokens: 0,
      verify: "off",
      verify_min_severity: "major",
      language: "Deutsch",
      instructions: "Prefer early returns.",
      paths: { include: ["src/**"], exclude: ["src/generated/**"] },
      escalate: { label: "deep-review", paths: ["src/auth/**"] },
      show_cost: false,
    });
    const settings = settingsForReview({
      process: processSettings,
      config: repoConfig,
      problems: [],
      pro: undefined,
    });
    expect(settings).toEqual({
      model: "deepseek-v4-flash",
      proModel: "deepseek-v4-pro",
      proPaths: ["src/auth/**"],
      maxChunkTokens: 8_000,
      maxOutputTokens: 4_096,
      maxComments: 5,
      maxFilePatchBytes: 200_000,
      maxPrTokens: 50_000,
      minSeverity: "major",
      contextLines: 8,
      contextMaxFileTokens: 0,
      verify: false,
      verifyModel: "deepseek-v4-flash",
      verifyMinSeverity: "major",
      temperature: 0.1,
      prices: DEFAULT_PRICES,
      include: ["src/**"],
      exclude: ["src/generated/**"],
      language: "Deutsch",
      instructions: "Prefer early returns.",
      notes: [],
      showCost: false,
    });
    expect(settings.proPaths).not.toBe(repoConfig.escalate.paths);
    expect(settings.include).not.toBe(repoConfig.paths.include);
  });

  it.each([
    ["empty", ""],
    ["only spaces and line breaks", "  \n\t\n"],
  ])("leaves instructions out when they are %s", (_name, instructions) => {
    const settings = settingsForReview({
      process: processSettings,
      config: config({ instructions }),
      problems: [],
      pro: undefined,
    });
    expect(settings).not.toHaveProperty("instructions");
  });

  it.each<[ProReason, string]>([
    ["command", "Reviewed by `deepseek-v4-pro` (asked for with `/review pro`)."],
    ["label", "Reviewed by `deepseek-v4-pro` (the pull request has the escalation label)."],
    ["config", "Reviewed by `deepseek-v4-pro` (`model: pro` in the repository configuration)."],
  ])("uses the Pro model and says why when the reason is %s", (pro, note) => {
    const settings = settingsForReview({ process: processSettings, config: config(), problems: [], pro });
    expect(settings.model).toBe("deepseek-v4-pro");
    expect(settings.proModel).toBe("deepseek-v4-pro");
    expect(settings.notes).toEqual([note]);
  });

  it("lists the configuration problems before the Pro note", () => {
    const problems: ConfigProblem[] = [
      { key: "max_comments", message: "expected a whole number from 0 to 100, got 500", used: 20 },
      { key: "colour", message: "unknown key, ignored", used: undefined },
    ];
    const settings = settingsForReview({
      process: processSettings,
      config: config(),
      problems,
      pro: "label",
    });
    expect(settings.notes).toEqual([
      [
        "#### Configuration problems",
        "",
        "- `max_comments`: expected a whole number from 0 to 100, got 500 — used `20`",
        "- `colour`: unknown key, ignored",
      ].join("\n"),
      "Reviewed by `deepseek-v4-pro` (the pull request has the escalation label).",
    ]);
  });

  describe("when the repository asks for more than the operator allows", () => {
    const ceilings = {
      maxChunkTokens: 12_000,
      maxPrTokens: 100_000,
      maxComments: 10,
      allowPro: true,
      monthlyBudgetUsd: 50,
    };

    it("uses each ceiling instead and says so, while lower values are kept", () => {
      const settings = settingsForReview({
        process: { ...processSettings, ceilings },
        config: config({ max_chunk_tokens: 200_000, max_pr_tokens: 2_000_000, max_comments: 5 }),
        problems: [],
        pro: undefined,
      });
      expect(settings).toMatchObject({ maxChunkTokens: 12_000, maxPrTokens: 100_000, maxComments: 5 });
      expect(settings.notes).toEqual([
        [
          "#### Configuration problems",
          "",
          "- `max_chunk_tokens`: 200,000 is above this app's ceiling (REVIEW_MAX_CHUNK_TOKENS = 12,000) — used `12000`",
          "- `max_pr_tokens`: 2,000,000 is above this app's ceiling (REVIEW_MAX_PR_TOKENS = 100,000) — used `100000`",
        ].join("\n"),
      ]);
    });

    it.each<[string, ProReason | undefined, string[]]>([
      ["model: pro", "config", []],
      ["the escalation label", "label", []],
      ["/review pro", "command", []],
      ["escalate.paths", undefined, ["src/auth/**"]],
    ])(
      "reviews with Flash when the operator turned Pro off, whatever asked for it (%s)",
      (_name, pro, paths) => {
        const settings = settingsForReview({
          process: { ...processSettings, ceilings: { ...processSettings.ceilings, allowPro: false } },
          config: config({ escalate: { label: "deep-review", paths } }),
          problems: [],
          pro,
        });
        expect(settings.model).toBe("deepseek-v4-flash");
        expect(settings.proPaths).toEqual([]);
        expect(settings.notes).toEqual([
          "The Pro model is turned off on this app (REVIEW_ALLOW_PRO=false): `deepseek-v4-flash` reviewed everything.",
        ]);
      },
    );
  });
});
