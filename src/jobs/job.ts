import { z } from "zod";

/** A full commit SHA (SHA-1, or SHA-256 on repositories that use it). */
export const shaSchema = z.string().regex(/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/, "not a commit SHA");

const refFields = {
  /** The GitHub App installation the job acts for: its Octokit is rebuilt from this id. */
  installationId: z.number().int().positive(),
  owner: z.string().min(1).max(100),
  repo: z.string().min(1).max(100),
  number: z.number().int().positive(),
  /** The webhook delivery that asked for the job (for logs; dedupe happens before enqueueing). */
  deliveryId: z.string().min(1).max(100),
};

/** Why a review runs. */
export const reviewTriggerSchema = z.discriminatedUnion("kind", [
  /** A pull_request event (opened, pushed to, …): review what is new at the PR's current head. */
  z.object({ kind: z.literal("auto"), event: z.string().min(1).max(80), headSha: shaSchema }),
  /** A permitted `/review` (or `/review pro`): review the current head in full. */
  z.object({
    kind: z.literal("command"),
    model: z.enum(["default", "pro"]),
    user: z.string().min(1).max(100),
    commentId: z.number().int().positive(),
  }),
  /** The escalation label was added: the whole pull request, by the Pro model (when the label is the configured one). */
  z.object({ kind: z.literal("label"), label: z.string().min(1).max(100), headSha: shaSchema }),
  /** Files whose review failed on `headSha` (a model outage), asked again after a backoff. */
  z.object({
    kind: z.literal("retry"),
    headSha: shaSchema,
    paths: z.array(z.string().min(1).max(4_096)).min(1).max(3_000),
    round: z.number().int().positive(),
  }),
]);
export type ReviewTrigger = z.infer<typeof reviewTriggerSchema>;

/** A review of one pull request: per pull request, one runs at a time. */
export const reviewJobSchema = z.object({
  type: z.literal("review"),
  ...refFields,
  trigger: reviewTriggerSchema,
});
export type ReviewJob = z.infer<typeof reviewJobSchema>;

/** What a `/review …` comment asks for. */
export const reviewCommandSchema = z.discriminatedUnion("kind", [
  /** `/review`, `/review pro`; `force` also reviews a closed or merged pull request. */
  z.object({ kind: z.literal("review"), model: z.enum(["default", "pro"]), force: z.boolean() }),
  z.object({ kind: z.literal("help") }),
  /** `/review pause` / `/review resume`: no automatic reviews of this pull request until resumed. */
  z.object({ kind: z.literal("pause") }),
  z.object({ kind: z.literal("resume") }),
  z.object({ kind: z.literal("unknown"), argument: z.string().max(40) }),
]);
export type ReviewCommand = z.infer<typeof reviewCommandSchema>;

/**
 * A `/review …` comment, before anything is known of its author: it runs in a lane of its own, checks the
 * commenter's permission and answers, and only then queues a review (so an outsider never takes a review's place).
 */
export const commandJobSchema = z.object({
  type: z.literal("command"),
  ...refFields,
  command: reviewCommandSchema,
  user: z.string().min(1).max(100),
  commentId: z.number().int().positive(),
});
export type CommandJob = z.infer<typeof commandJobSchema>;

/**
 * Someone spoke to the app: a reply in a review thread (`inReplyTo`: the thread's first comment), or a comment on
 * the pull request mentioning it. Runs in the command lane (bounded per user like commands), checks the author's
 * permission, and answers once.
 */
export const answerJobSchema = z.object({
  type: z.literal("answer"),
  ...refFields,
  /** The comment to answer. */
  commentId: z.number().int().positive(),
  user: z.string().min(1).max(100),
  where: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("thread"), inReplyTo: z.number().int().positive() }),
    z.object({ kind: z.literal("mention") }),
  ]),
});
export type AnswerJob = z.infer<typeof answerJobSchema>;

/** Everything the queue holds: plain, serialisable data, stored before the webhook is answered. */
export const jobSchema = z.discriminatedUnion("type", [reviewJobSchema, commandJobSchema, answerJobSchema]);
export type Job = z.infer<typeof jobSchema>;

/** The pull request a job is about, e.g. `octo/repo#12`: reviews of one pull request never run at the same time (commands have a lane of their own). */
export function prKeyOf(job: Pick<Job, "owner" | "repo" | "number">): string {
  return `${job.owner}/${job.repo}#${job.number}`;
}

/**
 * The waiting place a job takes in its pull request's lane: a second job with the same place is a duplicate (or,
 * for automatic reviews, replaces the one waiting for an older head).
 */
export function placeOf(job: Job): string {
  if (job.type === "command") return `comment:${job.commentId}`;
  if (job.type === "answer") return `answer:${job.commentId}`;
  const { trigger } = job;
  switch (trigger.kind) {
    case "auto":
      return "auto";
    case "command":
      return `command:${trigger.model}:${trigger.user.toLowerCase()}`;
    case "retry":
      return `retry:${trigger.headSha}`;
    case "label":
      return `label:${trigger.label.toLowerCase()}`;
  }
}

/** The head a job is about, when it names one (for queue dedupe; the review itself reads the PR's current head). */
export function headOf(job: Job): string | undefined {
  if (job.type !== "review") return undefined;
  return job.trigger.kind === "command" ? undefined : job.trigger.headSha;
}
