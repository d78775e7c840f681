import { renderConfigProblems } from "../config/repo-config.js";
import type { ProcessSettings } from "../config/settings-from-env.js";
import type { LoadedConfig } from "./job-deps.js";

/** The reply to `/review help`: the commands and the configuration in effect on this repository. */
export function renderHelp(params: {
  loaded: LoadedConfig;
  process: ProcessSettings;
  /**
   * Whether the asker may read the configuration's free text (`instructions` and `path_instructions`, which may come from an org's private
   * `.github` repository): write permission on the repository or more. Others see its length only.
   */
  showFreeText: boolean;
}): string {
  const { config, problems } = params.loaded;
  const hidden = (text: string) => `(${text.length} characters, shown to users with write access)`;
  const shown = params.showFreeText
    ? config
    : {
        ...config,
        instructions: config.instructions === "" ? "" : hidden(config.instructions),
        path_instructions: config.path_instructions.map((entry) => ({
          paths: entry.paths,
          instructions: hidden(entry.instructions),
        })),
      };
  const json = JSON.stringify(shown, null, 2);
  const fence = "`".repeat(Math.max(3, longestBacktickRun(json) + 1));
  return [
    "### DeepSeek review — commands",
    [
      "- `/review` — review the current head of this pull request in full (findings already posted are not repeated).",
      `- \`/review pro\` — the same with \`${params.process.proModel}\` instead of \`${params.process.flashModel}\`.`,
      "- `/review force` — also review a closed or merged pull request (combine with `pro` as `/review pro force`).",
      "- `/review pause` — no automatic reviews of this pull request until `/review resume` (`/review` still works).",
      "- `/review resume` — automatic reviews again, from the next push.",
      "- `/review help` — this message.",
      "- Reply in a thread the app started, or mention the app (`@` and its name) in a comment: it answers there (users who may use these commands), with the finding and the code around it.",
      '- 👎 on the app\'s comment, a reply such as "won\'t fix", "false positive" or "intended", or resolving its thread without changing the code: that finding is not raised again on this pull request.',
      "",
      `Only users with ${config.review_command.min_permission} permission on the repository or more can use these commands.`,
    ].join("\n"),
    `<details>\n<summary>Configuration in effect (from <code>.github/deepseek-review.yml</code> on the default branch)</summary>\n\n${fence}json\n${json}\n${fence}\n\n</details>`,
    renderConfigProblems(problems),
  ]
    .filter((part) => part !== "")
    .join("\n\n");
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  let current = 0;
  for (const char of text) {
    current = char === "`" ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
