import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, type RepoConfig } from "../../../src/config/repo-config.js";
import type { ProcessSettings } from "../../../src/config/settings-from-env.js";
import { renderHelp } from "../../../src/jobs/render-help.js";
import { defaultProcessSettings } from "../../helpers/fakes.js";

const processSettings: ProcessSettings = defaultProcessSettings({ repoDefaults: DEFAULT_REPO_CONFIG });

function config(overrides: Partial<RepoConfig> = {}): RepoConfig {
  return { ...structuredClone(DEFAULT_REPO_CONFIG), ...overrides };
}

/** The fenced JSON block of the help: its opening fence, and its content up to the first line closing it. */
function configBlock(help: string): { fence: string; content: string } {
  const lines = help.split("\n");
  const open = lines.findIndex((line) => /^`{3,}json$/.test(line));
  const fence = (lines[open] ?? "").replace(/json$/, "");
  const close = lines.findIndex((line, index) => index > open && line === fence);
  return { fence, content: lines.slice(open + 1, close).join("\n") };
}

describe("renderHelp", () => {
  it("lists the commands, who may run them and the configuration in effect", () => {
    const help = renderHelp({
      loaded: { config: config(), problems: [] },
      process: processSettings,
      showFreeText: true,
    });
    expect(help).toBe(
      [
        "### DeepSeek review — commands",
        "",
        "- `/review` — review the current head of this pull request in full (findings already posted are not repeated).",
        "- `/review pro` — the same with `deepseek-v4-pro` instead of `deepseek-v4-flash`.",
        "- `/review force` — also review a closed or merged pull request (combine with `pro` as `/review pro force`).",
        "- `/review pause` — no automatic reviews of this pull request until `/review resume` (`/review` still works).",
        "- `/review resume` — automatic reviews again, from the next push.",
        "- `/review help` — this message.",
        "- Reply in a thread the app started, or mention the app (`@` and its name) in a comment: it answers there (users who may use these commands), with the finding and the code around it.",
        '- 👎 on the app\'s comment, a reply such as "won\'t fix", "false positive" or "intended", or resolving its thread without changing the code: that finding is not raised again on this pull request.',
        "",
        "Only users with write permission on the repository or more can use these commands.",
        "",
        "<details>",
        "<summary>Configuration in effect (from <code>.github/deepseek-review.yml</code> on the default branch)</summary>",
        "",
        "```json",
        JSON.stringify(config(), null, 2),
        "```",
        "",
        "</details>",
      ].join("\n"),
    );
  });

  it("names the models of the process and the configured permission", () => {
    const help = renderHelp({
      loaded: { config: config({ review_command: { min_permission: "maintain" } }), problems: [] },
      process: { ...processSettings, flashModel: "deepseek-chat", proModel: "deepseek-reasoner" },
      showFreeText: true,
    });
    expect(help.split("\n")).toEqual(
      expect.arrayContaining([
        "- `/review pro` — the same with `deepseek-reasoner` instead of `deepseek-chat`.",
        "Only users with maintain permission on the repository or more can use these commands.",
      ]),
    );
  });

  it.each([
    ["a run of three backticks", "Wrap code in ```ts fences.", "````"],
    ["a run of five backticks", "Never write `````.", "``````"],
    ["a run at the start of a line", "```\nnot a fence\n```", "````"],
  ])("shows instructions holding %s inside a fence they cannot close", (_name, instructions, fence) => {
    const shown = config({ instructions });
    const block = configBlock(
      renderHelp({ loaded: { config: shown, problems: [] }, process: processSettings, showFreeText: true }),
    );
    expect(block.fence).toBe(fence);
    expect(JSON.parse(block.content)).toEqual(shown);
  });

  it("ends with the configuration problems when there are any", () => {
    const help = renderHelp({
      loaded: {
        config: config(),
        problems: [{ key: "colour", message: "unknown key, ignored", used: undefined }],
      },
      process: processSettings,
      showFreeText: true,
    });
    expect(
      help.endsWith("</details>\n\n#### Configuration problems\n\n- `colour`: unknown key, ignored"),
    ).toBe(true);
  });

  it("shows the instructions' length only to users below write, whose repository may be public", () => {
    const secret = "Our internal threat model: look for calls to the billing service at 10.0.0.7.";
    const loaded = { config: config({ instructions: secret }), problems: [] };
    const shownToWriter = renderHelp({ loaded, process: processSettings, showFreeText: true });
    const shownToReader = renderHelp({ loaded, process: processSettings, showFreeText: false });
    expect(shownToWriter).toContain(secret);
    expect(shownToReader).not.toContain("billing service");
    expect(JSON.parse(configBlock(shownToReader).content).instructions).toBe(
      `(${secret.length} characters, shown to users with write access)`,
    );
  });

  it("shows path_instructions' lengths only to users below write, and their globs to all", () => {
    const secret = "Calls to the billing service at 10.0.0.7 need a retry budget.";
    const loaded = {
      config: config({ path_instructions: [{ paths: ["src/billing/**"], instructions: secret }] }),
      problems: [],
    };
    const shownToReader = renderHelp({ loaded, process: processSettings, showFreeText: false });
    expect(shownToReader).not.toContain("billing service");
    expect(JSON.parse(configBlock(shownToReader).content).path_instructions).toEqual([
      {
        paths: ["src/billing/**"],
        instructions: `(${secret.length} characters, shown to users with write access)`,
      },
    ]);
    expect(renderHelp({ loaded, process: processSettings, showFreeText: true })).toContain(secret);
  });

  it("lists /review pause and /review resume", () => {
    const help = renderHelp({
      loaded: { config: config(), problems: [] },
      process: processSettings,
      showFreeText: true,
    });
    expect(help).toContain(
      "- `/review pause` — no automatic reviews of this pull request until `/review resume`",
    );
    expect(help).toContain("- `/review resume` — automatic reviews again, from the next push.");
  });

  it("has no problems section when there are none", () => {
    const help = renderHelp({
      loaded: { config: config(), problems: [] },
      process: processSettings,
      showFreeText: true,
    });
    expect(help).not.toContain("Configuration problems");
  });
});
