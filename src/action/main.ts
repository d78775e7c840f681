import { ActionInputError } from "./read-action-context.js";
import { runAction } from "./run-action.js";
import { errorCommand } from "./workflow-command.js";

/** The Action's entry (bundled to dist/action/index.js by `npm run build:action`). */
try {
  process.exitCode = await runAction(process.env, process.stdout);
} catch (error) {
  const message =
    error instanceof ActionInputError
      ? error.message
      : `${(error as Error).name}: ${(error as Error).message}`;
  process.stdout.write(errorCommand(message));
  process.exitCode = 1;
}
