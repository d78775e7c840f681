import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseReviewCommand } from "../jobs/parse-review-command.js";
import { FAIL_ON, type FailOn } from "../review/at-or-above.js";
import type { ReviewTrigger } from "../review/review-pull-request.js";

/** The Action's inputs, as the runner passes them: `INPUT_<NAME>` with the name upper-cased, dashes kept. */
export function readInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/** Who may ask for a review with a `/review` comment: people with access to the repository. */
const COMMAND_ASSOCIATIONS = new Set(["OWNER", "MEMBER", "COLLABORATOR"]);

const repositorySchema = z.object({
  full_name: z.string(),
  name: z.string(),
  owner: z.object({ login: z.string() }),
});

const pullRequestEventSchema = z.object({
  action: z.string().optional(),
  repository: repositorySchema,
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ repo: z.object({ full_name: z.string() }).nullable().optional() }),
  }),
});

const issueCommentEventSchema = z.object({
  action: z.string().optional(),
  repository: repositorySchema,
  issue: z.object({
    number: z.number().int().positive(),
    pull_request: z.object({}).passthrough().optional(),
  }),
  comment: z.object({
    body: z.string().nullable(),
    author_association: z.string(),
    user: z.object({ login: z.string() }),
  }),
});

/** What the event asks for: a review of one pull request, or nothing, with the reason said in the log. */
export type ActionEvent =
  | {
      kind: "review";
      owner: string;
      repo: string;
      number: number;
      trigger: ReviewTrigger;
      /** `/review pro`. */
      pro: boolean;
    }
  | { kind: "skip"; reason: string }
  /** A pull request from a fork on `pull_request`: a read-only token and no secrets. */
  | { kind: "fork"; number: number; fork: string };

/** Pull request actions that review what is new (the App's automatic triggers). */
const REVIEWED_ACTIONS = new Set(["opened", "reopened", "synchronize", "ready_for_review"]);

/**
 * Reads the workflow's event (`GITHUB_EVENT_NAME`, the payload at `GITHUB_EVENT_PATH`): `pull_request` reviews what
 * is new since the Action's last review, as the App's automatic trigger does; an `issue_comment` whose first line is
 * `/review` (or `/review pro`) on a pull request, by someone with access to the repository, reviews the whole pull
 * request. Everything else is skipped with a reason.
 */
export function readActionEvent(env: NodeJS.ProcessEnv): ActionEvent {
  const name = env.GITHUB_EVENT_NAME ?? "";
  const path = env.GITHUB_EVENT_PATH ?? "";
  if (path === "")
    throw new ActionInputError("GITHUB_EVENT_PATH is not set: run this as a step of a GitHub workflow");
  const payload: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (name === "pull_request" || name === "pull_request_target") {
    const event = parsePayload(pullRequestEventSchema, payload, name);
    if (event.action !== undefined && !REVIEWED_ACTIONS.has(event.action))
      return { kind: "skip", reason: `pull_request.${event.action} is not reviewed` };
    const head = event.pull_request.head.repo?.full_name;
    if (name === "pull_request" && head !== event.repository.full_name)
      return { kind: "fork", number: event.pull_request.number, fork: head ?? "a deleted fork" };
    return {
      kind: "review",
      owner: event.repository.owner.login,
      repo: event.repository.name,
      number: event.pull_request.number,
      trigger: "auto",
      pro: false,
    };
  }
  if (name === "issue_comment") {
    const event = parsePayload(issueCommentEventSchema, payload, name);
    if (event.action !== undefined && event.action !== "created")
      return { kind: "skip", reason: `issue_comment.${event.action} is not a command` };
    if (event.issue.pull_request === undefined)
      return { kind: "skip", reason: "the comment is not on a pull request" };
    const command = parseReviewCommand(event.comment.body ?? "");
    if (command === undefined) return { kind: "skip", reason: "the comment is not a /review command" };
    if (command.kind !== "review")
      return {
        kind: "skip",
        reason: `/review ${command.kind} is a command of the App only; the Action reviews on /review and /review pro`,
      };
    if (!COMMAND_ASSOCIATIONS.has(event.comment.author_association))
      return {
        kind: "skip",
        reason: `${event.comment.user.login} (${event.comment.author_association.toLowerCase()}) has no access to the repository; /review is for its owners, members and collaborators`,
      };
    return {
      kind: "review",
      owner: event.repository.owner.login,
      repo: event.repository.name,
      number: event.issue.number,
      trigger: "command",
      pro: command.model === "pro",
    };
  }
  return {
    kind: "skip",
    reason: `the ${name || "unknown"} event is not one the Action reviews on (pull_request, issue_comment)`,
  };
}

/** The payload as the event's schema reads it; a payload GitHub would not send is one clear error. */
function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, name: string): T {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.map(String).join(".") || "(top level)";
  throw new ActionInputError(
    `the ${name} event payload is not one GitHub sends: ${where}: ${issue?.message ?? "invalid"}`,
  );
}

/** The Action's inputs other than the key, validated. */
export interface ActionInputs {
  model?: "flash" | "pro";
  configPath?: string;
  failOn: FailOn;
  maxPrTokens?: string;
}

/** A problem with the Action's inputs or environment: its message says what to change in the workflow. */
export class ActionInputError extends Error {
  override name = "ActionInputError";
}

export function readActionInputs(env: NodeJS.ProcessEnv): ActionInputs {
  const model = readInput(env, "model");
  if (model !== "" && model !== "flash" && model !== "pro")
    throw new ActionInputError(
      `the model input must be flash or pro, got ${JSON.stringify(model.slice(0, 40))}`,
    );
  const failOn = readInput(env, "fail-on") || "none";
  if (!(FAIL_ON as readonly string[]).includes(failOn))
    throw new ActionInputError(
      `the fail-on input must be one of ${FAIL_ON.join(", ")}, got ${JSON.stringify(failOn.slice(0, 40))}`,
    );
  const configPath = readInput(env, "config-path");
  const maxPrTokens = readInput(env, "max-pr-tokens");
  return {
    ...(model === "" ? {} : { model }),
    ...(configPath === "" ? {} : { configPath }),
    failOn: failOn as FailOn,
    ...(maxPrTokens === "" ? {} : { maxPrTokens }),
  };
}
