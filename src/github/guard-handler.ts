import { z } from "zod";

/** The log message of a delivery the app does not understand. */
export const PAYLOAD_NOT_UNDERSTOOD = "webhook payload not understood; ignored";

/** Problems listed per delivery; a payload of the wrong shape altogether would list hundreds. */
const MAX_PROBLEMS = 10;

/** The part of a Probot context the guard reads. */
export interface GuardedContext {
  id: string;
  name: string;
  payload: unknown;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

const shaSchema = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/i, "not a commit SHA");
const repositorySchema = z.object({ name: z.string().min(1), owner: z.object({ login: z.string().min(1) }) });
const installationSchema = z.object({ id: z.number().int().positive() });
const userSchema = z.object({ login: z.string().min(1), type: z.string() });

/** The fields of a `pull_request` event the app reads, with the types GitHub documents. */
export const pullRequestEventSchema = z.object({
  action: z.string(),
  /** On `edited`: what changed; the app acts on a new base branch only. */
  changes: z.object({ base: z.unknown().optional() }).nullish(),
  pull_request: z.object({
    number: z.number().int().positive(),
    title: z.string(),
    body: z.string().nullish(),
    draft: z.boolean().optional(),
    state: z.enum(["open", "closed"]),
    user: z.object({ login: z.string().min(1) }).nullable(),
    labels: z.array(z.object({ name: z.string() })),
    head: z.object({ sha: shaSchema }),
    base: z.object({ sha: shaSchema }),
    changed_files: z.number().int().nonnegative().optional(),
  }),
  repository: repositorySchema,
  installation: installationSchema,
});
export type PullRequestEvent = z.infer<typeof pullRequestEventSchema>;

/** `pull_request.labeled`: the pull request and the label added. */
export const pullRequestLabeledEventSchema = pullRequestEventSchema.extend({
  label: z.object({ name: z.string().min(1).max(100) }),
});

/** The fields of an `issue_comment` event the app reads. */
export const issueCommentEventSchema = z.object({
  issue: z.object({ number: z.number().int().positive(), pull_request: z.unknown().optional() }),
  comment: z.object({
    id: z.number().int().positive(),
    body: z.string().nullish(),
    user: userSchema.nullable(),
  }),
  sender: userSchema,
  repository: repositorySchema,
  installation: installationSchema,
});
export type IssueCommentEvent = z.infer<typeof issueCommentEventSchema>;

/** The fields of a `pull_request_review_comment` event the app reads: a reply has `in_reply_to_id`. */
export const reviewCommentEventSchema = z.object({
  comment: z.object({
    id: z.number().int().positive(),
    in_reply_to_id: z.number().int().positive().nullish(),
    user: userSchema.nullable(),
  }),
  pull_request: z.object({ number: z.number().int().positive(), state: z.enum(["open", "closed"]) }),
  sender: userSchema,
  repository: repositorySchema,
  installation: installationSchema,
});

/**
 * Wraps a webhook handler so that a payload it cannot read is logged and ignored instead of failing the delivery:
 * the payload is checked against `schema` first, and anything the handler still throws is caught. The log line has
 * the delivery id, the event and where the payload went wrong (paths and expectations only, never its values).
 */
export function guardHandler<C extends GuardedContext, S extends z.ZodType>(
  schema: S,
  handler: (context: C, payload: z.infer<S>) => Promise<void>,
): (context: C) => Promise<void> {
  return async (context) => {
    const fields = { delivery: context.id, event: eventName(context) };
    const checked = schema.safeParse(context.payload);
    if (!checked.success) {
      context.log.warn({ ...fields, problems: describeIssues(checked.error.issues) }, PAYLOAD_NOT_UNDERSTOOD);
      return;
    }
    try {
      await handler(context, checked.data);
    } catch (error) {
      // The job could not be stored: answer with an error, so GitHub shows the delivery as failed and it can be
      // redelivered, rather than accepting work that would be lost.
      const err =
        error instanceof Error
          ? { name: error.name, message: error.message.split("\n", 1)[0] }
          : { name: "Error", message: String(error) };
      context.log.error({ ...fields, err }, WEBHOOK_NOT_QUEUED);
      throw error;
    }
  };
}

/** The log message of a delivery whose job could not be written to the queue. */
export const WEBHOOK_NOT_QUEUED = "webhook not queued; answered with an error so it can be redelivered";

function eventName(context: GuardedContext): string {
  const { payload } = context;
  const action =
    typeof payload === "object" && payload !== null && "action" in payload ? payload.action : undefined;
  return typeof action === "string" ? `${context.name}.${action}` : context.name;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const described = issues
    .slice(0, MAX_PROBLEMS)
    .map((issue) => `${issue.path.map(String).join(".") || "(payload)"}: ${issue.message}`);
  return issues.length > MAX_PROBLEMS
    ? [...described, `…and ${issues.length - MAX_PROBLEMS} more`]
    : described;
}
