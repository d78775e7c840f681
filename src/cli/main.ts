#!/usr/bin/env node
import { Command, CommanderError, Option } from "commander";
import { FAIL_ON } from "../review/at-or-above.js";
import { EXIT, FORMATS, type ReviewCommandOptions, runReviewCommand, VERSION } from "./run-review-command.js";

/**
 * `deepseek-review`: the App's review pipeline on a local checkout. Arguments are parsed by commander; a usage
 * mistake exits with 2 and one line on stderr, like every other error.
 */
export function createProgram(run: (options: ReviewCommandOptions) => Promise<number>): Command {
  const program = new Command("deepseek-review")
    .description("Review a diff with DeepSeek V4, as the deepseek-review GitHub App does.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`deepseek-review: ${text.replace(/^error: /, "error: ")}`),
    });
  program
    .command("review")
    .description("Review the changes between two commits (or a diff file) and print the findings.")
    .option("--base <ref>", "the commit to compare with (default: origin/HEAD, main or master)")
    .option("--head <ref>", "the commit to review (default: HEAD)")
    .addOption(
      new Option(
        "--diff <file>",
        "review a unified diff from a file, or - for standard input, instead of git",
      ).conflicts(["base", "head"]),
    )
    .option(
      "--dry-run",
      "show the files, the skips, the chunk plan and the estimated cost; no key, no network",
      false,
    )
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("text"))
    .option("--output <file>", "write the report to a file instead of standard output")
    .addOption(
      new Option("--model <model>", "review with DeepSeek V4 Flash or Pro").choices(["flash", "pro"]),
    )
    .option(
      "--config <path>",
      "the configuration file (default: .github/deepseek-review.yml of the checkout)",
    )
    .addOption(
      new Option("--fail-on <severity>", "exit with 1 when a finding is at least this severe")
        .choices(FAIL_ON)
        .default("none"),
    )
    .option("--quiet", "no progress or warnings on standard error", false)
    .addHelpText(
      "after",
      "\nExit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 a usage, configuration or API error.\nDEEPSEEK_API_KEY (not needed with --dry-run), DEEPSEEK_BASE_URL and the App's other variables apply.",
    )
    .exitOverride()
    .action(async (options: ReviewCommandOptions) => {
      process.exitCode = await run(options);
    });
  return program;
}

async function main(): Promise<void> {
  const program = createProgram((options) =>
    runReviewCommand(options, {
      stdout: process.stdout,
      stderr: process.stderr,
      stdin: process.stdin,
      env: process.env,
      cwd: process.cwd(),
    }),
  );
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit with 0; every usage mistake with 2 (commander has already printed its one line).
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    process.stderr.write(`deepseek-review: error: ${(error as Error).message}\n`);
    process.exitCode = EXIT.error;
  }
}

await main();
