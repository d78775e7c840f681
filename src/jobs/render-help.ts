import { renderConfigProblems } from "../config/repo-config.js";
import type { ProcessSettings } from "../config/settings-from-env.js";
import type { LoadedConfig } from "./job-deps.js";

/** The reply to `/review help`: the commands and the configuration in effect on this repository. */
export function renderHelp(params: { loaded: LoadedConfig; process: ProcessSettings }): string {
  const { config, problems } = params.loaded;
  const yaml = JSON.stringify(config, null, 2);
  const fence = "`".repeat(Math.max(3, ...[...yaml.matchAll(/`+/g)].map((run) => run[0].length + 1)));
  return [
    "### DeepSeek review — commands",
    [
      "- `/review` — review the current head of this pull request in full (findings already posted are not repeated).",
      `- \`/review pro\` — the same with \`${params.process.proModel}\` instead of \`${params.process.flashModel}\`.`,
      "- `/review help` — this message.",
      "",
      `Only users with ${config.review_command.min_permission} permission on the repository or more can run a review.`,
    ].join("\n"),
    `<details>\n<summary>Configuration in effect (from <code>.github/deepseek-review.yml</code> on the default branch)</summary>\n\n${fence}json\n${yaml}\n${fence}\n\n</details>`,
    renderConfigProblems(problems),
  ]
    .filter((part) => part !== "")
    .join("\n\n");
}
