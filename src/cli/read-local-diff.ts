import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import { splitGitDiff } from "../diff/split-git-diff.js";
import type { PullRequestFile, PullRequestInfo } from "../review/types.js";
import { UsageError } from "./usage-error.js";

const run = promisify(execFile);

/** The most diff text read, from git or a file: a larger diff is refused before anything is parsed. */
export const MAX_DIFF_BYTES = 64 * 1024 * 1024;

/** Commit subjects put in the prompt's description, newest first, when the range has many. */
const MAX_SUBJECTS = 50;

/** What the CLI reviews: the files of a diff and the pull-request-like text around it. */
export interface LocalDiff {
  pr: PullRequestInfo;
  files: PullRequestFile[];
  /** Where the diff came from, for people: `main...HEAD`, a file name, or `stdin`. */
  source: string;
  /** The checkout's root (git only): where `.github/deepseek-review.yml` is looked for. */
  root?: string;
  /** The whole new file at the reviewed head (git only), for the code around a finding; undefined when unknown. */
  readFile?: (path: string) => Promise<string | undefined>;
}

export interface ReadLocalDiffParams {
  cwd: string;
  base?: string;
  head?: string;
  /** A unified diff file, or `-` for standard input, instead of git. */
  diff?: string;
  stdin: Readable;
}

/** Bases tried in order when `--base` is not given. */
const DEFAULT_BASES = ["origin/HEAD", "main", "master"];

/**
 * Reads what to review: `git diff base...head` of the checkout at `cwd` (what `head` adds since it left `base`, as
 * a pull request shows it), or a unified diff from a file or standard input. The title is the head commit's
 * subject and the description lists the range's subjects: untrusted text, masked and delimited like a PR's.
 */
export async function readLocalDiff(params: ReadLocalDiffParams): Promise<LocalDiff> {
  if (params.diff !== undefined) return readDiffText(params);
  const git = (args: string[]) => runGit(params.cwd, args);
  const top = (await git(["rev-parse", "--show-toplevel"]).catch(() => undefined))?.trim();
  if (top === undefined) {
    throw new UsageError(`${params.cwd} is not in a git checkout: run this in one, or pass --diff <file>`);
  }
  const head = params.head ?? "HEAD";
  const base = params.base ?? (await findDefaultBase(git));
  const headSha = await resolve(git, head, "--head");
  const baseTip = await resolve(git, base, "--base");
  const baseSha = (await git(["merge-base", baseTip, headSha]).catch(() => undefined))?.trim();
  if (baseSha === undefined) throw new UsageError(`${base} and ${head} have no common ancestor`);
  const text = await git([
    "-c",
    "core.quotePath=false",
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--find-renames",
    `${baseSha}...${headSha}`,
  ]);
  const subjects = (await git(["log", "--format=%s", `-${MAX_SUBJECTS}`, `${baseSha}..${headSha}`]))
    .split("\n")
    .filter((line) => line.trim() !== "");
  return {
    pr: {
      owner: "local",
      repo: basename(top),
      number: 0,
      title: subjects[0] ?? `${base}...${head}`,
      body: subjects.map((subject) => `- ${subject}`).join("\n"),
      headSha,
      baseSha,
    },
    files: splitGitDiff(text),
    source: `${base}...${head}`,
    root: top,
    readFile: memoise((path) =>
      git(["show", `${headSha}:${path}`]).then(
        (content) => content,
        () => undefined,
      ),
    ),
  };
}

async function readDiffText(params: ReadLocalDiffParams): Promise<LocalDiff> {
  const fromStdin = params.diff === "-";
  const text = fromStdin ? await readStream(params.stdin) : await readDiffFile(params.diff ?? "");
  if (Buffer.byteLength(text) > MAX_DIFF_BYTES) {
    throw new UsageError(`the diff is larger than ${MAX_DIFF_BYTES / 1024 / 1024} MiB`);
  }
  const files = splitGitDiff(text);
  if (files.length === 0 && text.trim() !== "") {
    throw new UsageError(`${fromStdin ? "stdin" : params.diff} is not a git diff (no "diff --git" line)`);
  }
  const source = fromStdin ? "stdin" : (params.diff ?? "");
  return {
    pr: {
      owner: "local",
      repo: "diff",
      number: 0,
      title: `Changes in ${source}`,
      body: "",
      headSha: "0".repeat(40),
      baseSha: "0".repeat(40),
    },
    files,
    source,
  };
}

async function readDiffFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read the diff file ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buffer.length;
    if (bytes > MAX_DIFF_BYTES)
      throw new UsageError(`the diff is larger than ${MAX_DIFF_BYTES / 1024 / 1024} MiB`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

type Git = (args: string[]) => Promise<string>;

async function runGit(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("git", args, { cwd, maxBuffer: MAX_DIFF_BYTES, encoding: "utf8" });
    return stdout;
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
      throw new UsageError(
        `the diff is larger than ${MAX_DIFF_BYTES / 1024 / 1024} MiB: narrow it with --base`,
      );
    throw error;
  }
}

async function resolve(git: Git, ref: string, option: string): Promise<string> {
  if (ref.startsWith("-")) throw new UsageError(`${option} ${ref}: not a git revision`);
  const sha = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => "");
  if (sha.trim() === "") throw new UsageError(`${option} ${ref}: no such commit in this checkout`);
  return sha.trim();
}

async function findDefaultBase(git: Git): Promise<string> {
  for (const candidate of DEFAULT_BASES) {
    const sha = await git(["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`]).catch(() => "");
    if (sha.trim() !== "") return candidate;
  }
  throw new UsageError(
    `no ${DEFAULT_BASES.join(", ")} in this checkout: say what to compare with --base <ref>`,
  );
}

/** One read per path: the pipeline reads a file for context, and the report again for the code it shows. */
function memoise(
  read: (path: string) => Promise<string | undefined>,
): (path: string) => Promise<string | undefined> {
  const reads = new Map<string, Promise<string | undefined>>();
  return (path) => {
    let one = reads.get(path);
    if (one === undefined) {
      one = read(path);
      reads.set(path, one);
    }
    return one;
  };
}
