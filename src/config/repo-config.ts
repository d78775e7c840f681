import { z } from "zod";
import { MAX_GLOB_CHARS, MAX_GLOBS } from "../review/match-globs.js";
import { inlineCode, sanitizeInline } from "../review/sanitize-markdown.js";
import { SEVERITIES } from "../review/types.js";

/** Repository permissions, from least to most; `/review` needs at least `review_command.min_permission`. */
export const REPO_PERMISSIONS = ["read", "triage", "write", "maintain", "admin"] as const;
export type RepoPermission = (typeof REPO_PERMISSIONS)[number];

/** Most items of a list of names or keywords in the configuration. */
const MAX_LIST_ITEMS = 100;
/** Most `path_instructions` entries, and the longest `instructions` of one. */
export const MAX_PATH_INSTRUCTIONS = 20;
export const MAX_PATH_INSTRUCTION_CHARS = 2_000;

/** Globs over paths: capped in number and length, so that matching them stays cheap (see match-globs.ts). */
const globList = () => z.array(z.string().min(1).max(MAX_GLOB_CHARS)).max(MAX_GLOBS);

/**
 * `.github/deepseek-review.yml`, read from the default branch by Probot (`_extends` and the owner's `.github`
 * repository already resolved). Every key is optional and has a default, so no file means sensible behaviour.
 * The descriptions are the documentation: they become the JSON Schema and the README table.
 */
export const repoConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "`false` turns the app off for this repository: no automatic reviews and no `/review` (only `/review help` still answers).",
      ),
    auto_review: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            "Review pull requests when they are opened, reopened, marked ready for review or pushed to. `false`: only when someone comments `/review`. `auto_review: false` is short for this.",
          ),
        base_branches: globList()
          .default([])
          .describe(
            "Globs over the base branch's name (e.g. `main`, `release/**`): only pull requests into a matching branch are reviewed automatically. Empty: every base branch. At most 50 globs of up to 200 characters.",
          ),
        drafts: z
          .boolean()
          .default(false)
          .describe(
            "Also review draft pull requests automatically; otherwise a draft is reviewed once it is ready.",
          ),
        ignore_title_keywords: z
          .array(z.string().min(1).max(100))
          .max(MAX_LIST_ITEMS)
          .default(["WIP", "[skip review]", "DO NOT MERGE"])
          .describe(
            "A pull request whose title contains any of these is not reviewed automatically: case-insensitive, plain text, not inside a longer word (`WIP` matches `[WIP] parser`, not `swipe`).",
          ),
        labels: z
          .array(z.string().min(1).max(50))
          .max(MAX_LIST_ITEMS)
          .default([])
          .describe(
            "When set, only pull requests with at least one of these labels are reviewed automatically. Empty: any.",
          ),
        skip_labels: z
          .array(z.string().min(1).max(50))
          .max(MAX_LIST_ITEMS)
          .default(["skip-review"])
          .describe("A pull request with any of these labels is not reviewed automatically."),
        ignore_authors: z
          .array(z.string().min(1).max(100))
          .max(MAX_LIST_ITEMS)
          .default(["*[bot]"])
          .describe(
            "Pull requests opened by these logins are not reviewed automatically. Case-insensitive; `*` matches any run of characters and is the only special character, so `*[bot]` matches `dependabot[bot]`.",
          ),
      })
      .prefault({})
      .describe(
        "When a pull request is reviewed without being asked (`/review` always works). The top-level keys `drafts`, `skip_labels` and `ignore_authors` of earlier versions are still read, as these.",
      ),
    paths: z
      .strictObject({
        include: globList()
          .default([])
          .describe(
            "Globs over paths from the repository root (e.g. `src/**`); when set, only matching files are reviewed. Empty: every file. At most 50 globs of up to 200 characters (see Limits).",
          ),
        exclude: globList()
          .default([])
          .describe(
            "Globs of files never reviewed (e.g. `docs/**`). At most 50 globs of up to 200 characters.",
          ),
      })
      .prefault({})
      .describe(
        "Which changed files are reviewed. The built-in skips (secrets, lock files, generated and binary files) always apply on top.",
      ),
    language: z
      .string()
      .min(1)
      .max(64)
      .default("English")
      .describe("The language the review is written in, e.g. `English`, `Deutsch`, `日本語`."),
    instructions: z
      .string()
      .max(4_000)
      .default("")
      .describe(
        "Guidance for the model specific to this repository (conventions, what to look for), up to 4,000 characters.",
      ),
    max_comments: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(20)
      .describe(
        "Most inline comments per review; further findings are listed in the review body. The app's `REVIEW_MAX_COMMENTS` sets the default.",
      ),
    min_severity: z
      .enum(SEVERITIES)
      .default("nit")
      .describe(
        "Findings less severe than this are not posted. From most to least severe: `critical`, `major`, `minor`, `nit`.",
      ),
    max_chunk_tokens: z
      .number()
      .int()
      .min(1_000)
      .max(200_000)
      .default(12_000)
      .describe(
        "Diff tokens per model request; a larger diff is split into several requests. The app's `REVIEW_MAX_CHUNK_TOKENS` sets the default.",
      ),
    max_pr_tokens: z
      .number()
      .int()
      .min(1_000)
      .max(2_000_000)
      .default(400_000)
      .describe(
        "Budget of diff tokens per pull request. Over it, the most important files are reviewed first and the rest are listed as not reviewed.",
      ),
    context_lines: z
      .number()
      .int()
      .min(0)
      .max(200)
      .default(20)
      .describe(
        "Lines of code shown to the model before and after each hunk, read at the pull request's head, when no enclosing function or class is found (tree-sitter knows JavaScript, TypeScript/TSX, Python, Go, Java, Rust, C/C++ and Ruby). Context is for reading only: comments still go only on lines of the diff.",
      ),
    context_max_file_tokens: z
      .number()
      .int()
      .min(0)
      .max(20_000)
      .default(2_000)
      .describe(
        "A changed file of at most this many tokens is shown to the model whole; no file gets more context than this. Context counts against `max_pr_tokens`. `0` turns context off (the model sees only the diff).",
      ),
    verify: z
      .enum(["off", "on"])
      .default("on")
      .describe(
        "`on`: after the review, each finding at or above `verify_min_severity` gets a second look by DeepSeek V4 Flash with the code around it (one short call per file), and findings it rejects are not posted (counted in the review body). Its cost is part of the review's cost.",
      ),
    verify_min_severity: z
      .enum(SEVERITIES)
      .default("minor")
      .describe(
        "The least severe finding that the verification pass checks; less severe findings are posted unchecked.",
      ),
    model: z
      .enum(["flash", "pro"])
      .default("flash")
      .describe(
        "The model that reviews pull requests by default: `flash` (DeepSeek V4 Flash, cheaper) or `pro` (DeepSeek V4 Pro).",
      ),
    escalate: z
      .strictObject({
        label: z
          .string()
          .max(50)
          .default("deep-review")
          .describe(
            "A pull request with this label is reviewed by the Pro model. Empty: no label escalates.",
          ),
        paths: globList()
          .default([])
          .describe(
            "Globs; a part of the diff that contains a matching file is reviewed by the Pro model. At most 50 globs of up to 200 characters.",
          ),
      })
      .prefault({})
      .describe("When the Pro model reviews all or part of a pull request reviewed by Flash by default."),
    review_command: z
      .strictObject({
        min_permission: z
          .enum(REPO_PERMISSIONS)
          .default("write")
          .describe(
            "The least repository permission a user needs to run `/review`: `read`, `triage`, `write`, `maintain` or `admin`.",
          ),
      })
      .prefault({})
      .describe("Who may ask for a review with a `/review` comment."),
    show_cost: z
      .boolean()
      .default(true)
      .describe(
        "Show the tokens and the cost in dollars at the foot of each review. `false` keeps spend off the pull request (it is still logged). The app's `REVIEW_SHOW_COST` sets the default.",
      ),
    fail_on: z
      .enum(["off", ...SEVERITIES])
      .default("off")
      .describe(
        "The check run concludes `failure` when a review reports a finding at least this severe (`critical`, `major`, `minor` or `nit`), so it can be a required check; `off`: always `neutral`. It judges the findings each run reports and the app's earlier findings still open on the pull request (threads nobody resolved or dismissed).",
      ),
    path_instructions: z
      .array(
        z.strictObject({
          paths: globList().min(1),
          instructions: z.string().min(1).max(MAX_PATH_INSTRUCTION_CHARS),
        }),
      )
      .max(MAX_PATH_INSTRUCTIONS)
      .default([])
      .describe(
        'Guidance for the model on some files only: a list of `{paths: [globs], instructions: "…"}` (at most 20, each up to 2,000 characters). A request is given the instructions of every entry matching one of its files, up to 4,000 characters.',
      ),
    monthly_budget_usd: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe(
        "Dollars this repository's reviews may spend per UTC calendar month. `0`: the app's budget (`BUDGET_REPO_USD_PER_MONTH`). A repository may set a lower budget, never a higher one. A review whose estimate does not fit what is left is not run; the pull request is told why.",
      ),
  })
  .meta({
    title: "deepseek-review configuration",
    description:
      "Per-repository configuration of the deepseek-review GitHub App: `.github/deepseek-review.yml` on the default branch. Every key is optional.",
  });

export type RepoConfig = z.infer<typeof repoConfigSchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The configuration of a repository without a file (frozen: copy before changing). */
export const DEFAULT_REPO_CONFIG: RepoConfig = deepFreeze(repoConfigSchema.parse({}));

/** One key of the file that could not be used. */
export interface ConfigProblem {
  /** Dotted path of the key, e.g. `paths.include`; `(file)` when the file as a whole is not a mapping. */
  key: string;
  /** What is wrong, in plain words. */
  message: string;
  /** The value used instead (the default); `undefined` for an unknown key, which is ignored. */
  used: unknown;
}

/** Keys Probot resolves itself before we see the object. */
const PROBOT_KEYS = new Set(["_extends"]);

/**
 * Validates the object Probot read from `.github/deepseek-review.yml` key by key: a valid key is kept, an
 * invalid one takes its value from `defaults` and yields a problem, an unknown one is ignored with a problem.
 * `defaults` is a parameter because the app's environment sets some of them (e.g. `max_comments`).
 */
export function parseRepoConfig(
  raw: unknown,
  defaults: RepoConfig = DEFAULT_REPO_CONFIG,
): { config: RepoConfig; problems: ConfigProblem[] } {
  if (raw === null || raw === undefined) return { config: structuredClone(defaults), problems: [] };
  if (!isMapping(raw)) {
    const message = `expected a mapping of keys to values at the top of the file, got ${describeValue(raw)}`;
    return { config: structuredClone(defaults), problems: [{ key: "(file)", message, used: defaults }] };
  }
  const problems: ConfigProblem[] = [];
  const config = parseMapping({
    raw: withMovedKeys(raw),
    schema: repoConfigSchema,
    defaults,
    prefix: "",
    problems,
  });
  // Every known key was either validated by its own schema or copied from `defaults`.
  return { config: config as RepoConfig, problems };
}

/** Keys of earlier versions, now under `auto_review`; read there unless `auto_review` sets them itself. */
const MOVED_TO_AUTO_REVIEW = ["drafts", "skip_labels", "ignore_authors"] as const;

/** `auto_review: true|false` as `auto_review.enabled`, and the moved keys in their new place. */
function withMovedKeys(raw: Record<string, unknown>): Record<string, unknown> {
  const { auto_review: autoReview, ...rest } = raw;
  const moved: Record<string, unknown> = {};
  for (const key of MOVED_TO_AUTO_REVIEW) {
    if (!Object.hasOwn(rest, key)) continue;
    moved[key] = rest[key];
    delete rest[key];
  }
  if (autoReview === undefined && Object.keys(moved).length === 0) return raw;
  if (typeof autoReview === "boolean") return { ...rest, auto_review: { ...moved, enabled: autoReview } };
  if (autoReview === undefined) return { ...rest, auto_review: moved };
  if (!isMapping(autoReview)) return { ...raw };
  return { ...rest, auto_review: { ...moved, ...autoReview } };
}

interface ParseMappingParams {
  raw: Record<string, unknown>;
  schema: z.ZodObject;
  defaults: object;
  prefix: string;
  problems: ConfigProblem[];
}

function parseMapping({
  raw,
  schema,
  defaults,
  prefix,
  problems,
}: ParseMappingParams): Record<string, unknown> {
  const result = structuredClone(defaults) as Record<string, unknown>;
  const fallback = defaults as Record<string, unknown>;
  for (const [name, value] of Object.entries(raw)) {
    const key = `${prefix}${name}`;
    const field = Object.hasOwn(schema.shape, name) ? schema.shape[name] : undefined;
    if (field === undefined) {
      if (prefix === "" && PROBOT_KEYS.has(name)) continue;
      problems.push({ key, message: unknownKeyMessage(name, Object.keys(schema.shape)), used: undefined });
      continue;
    }
    const inner = unwrapDefault(field);
    if (inner instanceof z.ZodObject && isMapping(value)) {
      const nested = { raw: value, schema: inner, defaults: fallback[name] as object, prefix: `${key}.` };
      result[name] = parseMapping({ ...nested, problems });
      continue;
    }
    const parsed = inner.safeParse(value);
    if (parsed.success) {
      result[name] = parsed.data;
    } else {
      problems.push({
        key,
        message: invalidValueMessage(inner, value),
        used: structuredClone(fallback[name]),
      });
    }
  }
  return result;
}

/** The schema under `.default()` / `.prefault()` (every schema here is built with zod's classic API). */
function unwrapDefault(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodDefault || field instanceof z.ZodPrefault)
    return unwrapDefault(field.unwrap() as z.ZodType);
  return field;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const normaliseKey = (name: string) => name.toLowerCase().replace(/[-_]/g, "");

function unknownKeyMessage(name: string, known: string[]): string {
  const meant = known.find((candidate) => normaliseKey(candidate) === normaliseKey(name));
  return meant === undefined ? "unknown key, ignored" : `unknown key, ignored; did you mean ${meant}?`;
}

function invalidValueMessage(schema: z.ZodType, value: unknown): string {
  const message = `expected ${describeExpected(schema)}, got ${describeValue(value)}`;
  if (schema instanceof z.ZodArray && typeof value === "string") {
    return `${message}; write a single item as a list: ${JSON.stringify([value])}`;
  }
  return message;
}

/** What a schema accepts, in words: "a whole number from 0 to 100". */
function describeExpected(schema: z.ZodType): string {
  if (schema instanceof z.ZodBoolean) return "true or false";
  if (schema instanceof z.ZodNumber) {
    const range = `from ${formatNumber(schema.minValue)} to ${formatNumber(schema.maxValue)}`;
    return `${schema.isInt ? "a whole number" : "a number"} ${range}`;
  }
  if (schema instanceof z.ZodString) return `a ${describeString(schema, "string")}`;
  if (schema instanceof z.ZodEnum)
    return `one of ${listWords(
      schema.options.map((option) => JSON.stringify(option)),
      "or",
    )}`;
  if (schema instanceof z.ZodArray) {
    const element = schema.element;
    const { maxItems } = z.toJSONSchema(schema) as { maxItems?: number };
    const list = maxItems === undefined ? "a list of" : `a list of at most ${formatNumber(maxItems)}`;
    return element instanceof z.ZodString ? `${list} ${describeString(element, "strings")}` : "a list";
  }
  if (schema instanceof z.ZodObject)
    return `a mapping with the keys ${listWords(Object.keys(schema.shape), "and")}`;
  return "a different value";
}

function describeString(schema: z.ZodString, noun: string): string {
  const { minLength, maxLength } = schema;
  if (maxLength === null) return minLength !== null && minLength > 0 ? `non-empty ${noun}` : noun;
  const min = minLength ?? 0;
  return min > 0
    ? `${noun} of ${min} to ${formatNumber(maxLength)} characters`
    : `${noun} of at most ${formatNumber(maxLength)} characters`;
}

const formatNumber = (value: number | null) => (value === null ? "any" : value.toLocaleString("en-US"));

function listWords(words: string[], conjunction: "and" | "or"): string {
  return words.length <= 1
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} ${conjunction} ${words.at(-1)}`;
}

const MAX_SHOWN_CHARS = 60;

/** A short, plain description of a value from the file. */
function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (typeof value === "string" && value.length > MAX_SHOWN_CHARS) {
    return `a string of ${formatNumber(value.length)} characters`;
  }
  if (isMapping(value)) return "a mapping";
  const json = JSON.stringify(value) ?? String(value);
  return json.length > MAX_SHOWN_CHARS
    ? `${Array.isArray(value) ? "a list" : "a value"} too long to show`
    : json;
}

/** A "Configuration problems" section for the review body; empty when there are none. */
export function renderConfigProblems(problems: ConfigProblem[]): string {
  if (problems.length === 0) return "";
  const items = problems.map((problem) => {
    const head = `- ${inlineCode(problem.key)}: ${sanitizeInline(problem.message)}`;
    if (problem.key === "(file)") return `${head} — used the defaults for every key`;
    if (problem.used === undefined) return head;
    return `${head} — used ${inlineCode(JSON.stringify(problem.used))}`;
  });
  return ["#### Configuration problems", "", ...items].join("\n");
}

/** The JSON Schema of the file, generated from `repoConfigSchema` (written to schema/deepseek-review.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(repoConfigSchema, { io: "input" }) as Record<string, unknown>;
  const properties = schema.properties as Record<string, unknown>;
  const autoReviewProperties = (properties.auto_review as { properties: Record<string, unknown> }).properties;
  return {
    ...schema,
    properties: {
      ...properties,
      auto_review: {
        anyOf: [{ type: "boolean", description: "Short for `auto_review.enabled`." }, properties.auto_review],
      },
      ...Object.fromEntries(
        MOVED_TO_AUTO_REVIEW.map((key) => [
          key,
          {
            ...(autoReviewProperties[key] as object),
            deprecated: true,
            description: `Read as \`auto_review.${key}\`.`,
          },
        ]),
      ),
      _extends: {
        description:
          "Probot: inherit keys from another repository's file, e.g. `.github` or `other-repo:.github/deepseek-review.yml`.",
        type: "string",
      },
    },
  };
}

interface ConfigRow {
  key: string;
  defaultValue: unknown;
  description: string;
}

function listRows(schema: z.ZodObject, defaults: object, prefix: string): ConfigRow[] {
  return Object.entries(schema.shape).flatMap(([name, field]) => {
    const value = (defaults as Record<string, unknown>)[name];
    const inner = unwrapDefault(field);
    if (inner instanceof z.ZodObject) return listRows(inner, value as object, `${prefix}${name}.`);
    return [{ key: `${prefix}${name}`, defaultValue: value, description: field.description ?? "" }];
  });
}

/** The README table of config keys: one row per dotted key, from the schema's descriptions and defaults. */
export function renderConfigTable(): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  const rows = listRows(repoConfigSchema, DEFAULT_REPO_CONFIG, "").map(
    (row) =>
      `| ${cell(inlineCode(row.key))} | ${cell(inlineCode(JSON.stringify(row.defaultValue)))} | ${cell(row.description)} |`,
  );
  return ["| key | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

/**
 * Whether `login` matches one of `patterns`, ignoring case. `*` matches any run of characters and is the only
 * special character (`[`, `?` and the rest are literal), so `*[bot]` matches `dependabot[bot]`.
 */
export function matchesAuthor(login: string, patterns: readonly string[]): boolean {
  const subject = login.toLowerCase();
  return patterns.some((pattern) => matchesWildcard(subject, pattern.toLowerCase()));
}

/** Greedy wildcard match in O(text × pattern) steps: no regular expression, so many `*` cannot blow up. */
function matchesWildcard(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (t < text.length) {
    if (p < pattern.length && pattern[p] !== "*" && pattern[p] === text[t]) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === "*") {
      starAt = p++;
      resumeAt = t;
    } else if (starAt !== -1) {
      p = starAt + 1;
      t = ++resumeAt;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}
