import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const TSX = pathToFileURL(require.resolve("tsx")).href;
const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deepseek-review` (src/cli/main.ts through tsx) as its own process in `cwd`, with only `env` plus PATH and
 * HOME, stdin from `input` (closed when absent). Not a terminal: progress comes as plain lines.
 */
export function runCli(params: {
  args: string[];
  cwd: string;
  env?: Record<string, string>;
  input?: string;
}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, CLI, ...params.args], {
      cwd: params.cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...params.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(params.input ?? "");
  });
}

/** A git repository in a new temporary folder, with `files` committed on `main` as its first commit. */
export function createGitRepo(files: Record<string, string>): {
  dir: string;
  commit: (files: Record<string, string>, message: string) => void;
  git: (...args: string[]) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), "deepseek-review-cli-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: dir,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        GIT_AUTHOR_NAME: "Test",
        GIT_AUTHOR_EMAIL: "test@example.com",
        GIT_COMMITTER_NAME: "Test",
        GIT_COMMITTER_EMAIL: "test@example.com",
        GIT_CONFIG_NOSYSTEM: "1",
      },
    });
  const commit = (changes: Record<string, string>, message: string) => {
    for (const [path, content] of Object.entries(changes)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    git("add", "-A");
    git("commit", "-q", "-m", message);
  };
  git("init", "-q", "-b", "main");
  commit(files, "first commit");
  return { dir, commit, git };
}
