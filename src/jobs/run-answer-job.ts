import { randomUUID } from "node:crypto";
import { createSpendMeter, ledgerSpend, type SpendMeter } from "../cost/spend-meter.js";
import type { ReviewCommentInfo } from "../github/create-answer-gateway.js";
import type { InstallationGitHub } from "../github/create-github-access.js";
import { isRetryable } from "../github/http-status.js";
import { completeJson } from "../llm/complete-json.js";
import { promptTokenBound } from "../llm/prompt-token-bound.js";
import { readFindingRecord, stripRecord } from "../records/read-record.js";
import { sanitizeMarkdown } from "../review/sanitize-markdown.js";
import { type Logger, withFields } from "../runtime/types.js";
import type { QueuedJob } from "../store/types.js";
import {
  type AnswerContext,
  buildAnswerMessages,
  MAX_ANSWER_CHARS,
  MAX_ANSWER_OUTPUT_TOKENS,
  parseAnswer,
} from "../threads/build-answer-messages.js";
import { codeAround } from "../threads/code-around.js";
import type { AnswerJob } from "./job.js";
import type { JobDeps } from "./job-deps.js";
import { loadRepoConfig } from "./load-repo-config.js";
import { effectivePermission, rank } from "./run-command-job.js";
import { settingsForReview } from "./settings-for-review.js";

/** Attempts at a usable answer from the model per question. */
const ANSWER_ATTEMPTS = 2;

type Asked = { context: AnswerContext; question: string; post: (body: string) => Promise<void> };

/**
 * Answers a person who spoke to the app, from the job's data alone:
 * 1. rebuild the installation's GitHub access; for a reply, read its thread's first comment, which must be the
 *    app's finding (else nothing more is read);
 * 2. read the configuration and check the person may run `/review` (anyone below gets no answer at all, so
 *    outsiders cannot spend);
 * 3. read the question and what it is about: for a reply, the finding's diff hunk and the file's lines around it;
 *    for a mention, the pull request's title and text;
 * 4. ask Flash (JSON mode, thinking off), the question and the pull request's text as delimited untrusted data;
 * 5. post the answer, escaped, in the thread (or on the pull request), and record it (thread event, ledger row).
 * Ends in one `answer.completed`, `answer.skipped` or `answer.failed` line with what was spent.
 */
export async function runAnswerJob(params: {
  queued: QueuedJob;
  job: AnswerJob;
  deps: JobDeps;
}): Promise<void> {
  const { job, deps, queued } = params;
  const log = withFields(deps.log, {
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
    user: job.user,
    comment: job.commentId,
    where: job.where.kind,
  });
  const started = Date.now();
  let meter: SpendMeter | undefined;
  const spent = () => spentFields(meter);
  try {
    const result = await answer({
      job,
      jobId: queued.id,
      deps,
      log,
      started,
      setMeter: (one) => (meter = one),
    });
    if (result.answered) log.info({ ...spent(), durationMs: Date.now() - started }, "answer.completed");
    else log.info({ reason: result.reason, ...spent() }, "answer.skipped");
  } catch (error) {
    const err = { name: (error as Error).name, message: String((error as Error).message).split("\n", 1)[0] };
    const retry =
      queued.attempt < queued.maxAttempts && isRetryable(error) && (meter?.totals().requests ?? 0) === 0;
    log.error({ outcome: retry ? "retrying" : "failed", err, ...spent() }, "answer.failed");
    // Money spent on an answer that failed is still in the ledger (a retry happens only when nothing was spent).
    if (meter !== undefined && meter.totals().requests > 0) {
      await recordAnswerRun({
        job,
        jobId: queued.id,
        deps,
        meter,
        started,
        outcome: "failed",
        reason: `${err.name}: ${err.message}`,
      }).catch((failure: unknown) =>
        log.error({ err: { message: (failure as Error).message } }, "ledger write failed"),
      );
    }
    if (retry) throw error;
  } finally {
    await meter?.close().catch(() => undefined);
  }
}

async function answer(params: {
  job: AnswerJob;
  jobId: string;
  deps: JobDeps;
  log: Logger;
  started: number;
  setMeter: (meter: SpendMeter) => void;
}): Promise<{ answered: true } | { answered: false; reason: string }> {
  const { job, deps, log } = params;
  const github = await deps.github.forInstallation(job.installationId);
  if (job.user.toLowerCase() === github.botLogin.toLowerCase() || job.user.toLowerCase().endsWith("[bot]"))
    return { answered: false, reason: "a bot" };
  // A reply in a thread the app did not start ends here, after one read.
  const root = await readOwnRoot({ job, github });
  if (root !== undefined && "reason" in root) return { answered: false, reason: root.reason };
  const ref = { owner: job.owner, repo: job.repo };
  const repository = github.repository(ref);
  const loaded = await loadRepoConfig({
    read: () => github.readConfig(ref),
    defaults: deps.process.repoDefaults,
    log,
  });
  if (!loaded.config.enabled)
    return { answered: false, reason: "the app is disabled in the repository configuration" };
  const permission = effectivePermission(await repository.getPermission(job.user));
  if (rank(permission) < rank(loaded.config.review_command.min_permission))
    return { answered: false, reason: `${permission ?? "no"} permission is below what /review needs` };

  const asked = await readQuestion({ job, github, ...(root === undefined ? {} : { root: root.root }) });
  if ("reason" in asked) return { answered: false, reason: asked.reason };

  const settings = settingsForReview({
    process: deps.process,
    config: loaded.config,
    problems: loaded.problems,
    pro: undefined,
  });
  const messages = buildAnswerMessages({ context: asked.context, question: asked.question });
  const meter = createSpendMeter({
    prices: settings.prices,
    ...(deps.spend === undefined
      ? {}
      : {
          limits: deps.spend.limits,
          windows: {
            store:
              deps.spend.budgets?.around(deps.spend.windows, settings.monthlyBudgetUsd) ?? deps.spend.windows,
            scope: { repository: `${job.owner}/${job.repo}`, installation: job.installationId },
          },
        }),
  });
  params.setMeter(meter);
  const refused = await meter.admitPlan([
    {
      model: settings.model,
      promptTokens: promptTokenBound(messages),
      maxOutputTokens: MAX_ANSWER_OUTPUT_TOKENS,
    },
  ]);
  if (refused !== undefined)
    return { answered: false, reason: `a spending limit was reached (${refused.scope})` };
  const { value } = await deps.limit(() =>
    completeJson({
      client: meter.wrap(deps.model),
      request: {
        model: settings.model,
        messages,
        maxTokens: MAX_ANSWER_OUTPUT_TOKENS,
        temperature: settings.temperature,
      },
      parse: parseAnswer,
      maxAttempts: ANSWER_ATTEMPTS,
      log,
    }),
  );
  await asked.post(sanitizeMarkdown(value, MAX_ANSWER_CHARS));
  await record({ job, jobId: params.jobId, deps, meter, started: params.started }).catch((error: unknown) =>
    log.error({ err: { message: (error as Error).message } }, "ledger write failed"),
  );
  return { answered: true };
}

/** For a reply: the first comment of its thread when the app started it, else why not; nothing for a mention. */
async function readOwnRoot(params: {
  job: AnswerJob;
  github: InstallationGitHub;
}): Promise<{ root: ReviewCommentInfo } | { reason: string } | undefined> {
  const { job, github } = params;
  if (job.where.kind !== "thread") return undefined;
  const root = await github
    .answers({ owner: job.owner, repo: job.repo })
    .readReviewComment(job.where.inReplyTo);
  const own = root !== undefined && root.author.toLowerCase() === github.botLogin.toLowerCase();
  if (!own || readFindingRecord(root.body) === undefined) return { reason: "not a thread the app started" };
  return { root };
}

/** The question and what it is about (for a reply, `root` is its thread's first comment, the app's). */
async function readQuestion(params: {
  job: AnswerJob;
  github: InstallationGitHub;
  root?: ReviewCommentInfo;
}): Promise<Asked | { reason: string }> {
  const { job, github, root } = params;
  const ref = { owner: job.owner, repo: job.repo };
  const answers = github.answers(ref);
  const readPullRequest = () => github.repository(ref).getPullRequest(job.number);
  if (job.where.kind === "mention") {
    const [pr, comment] = await Promise.all([readPullRequest(), answers.readIssueComment(job.commentId)]);
    if (comment === undefined) return { reason: "the comment is gone" };
    return {
      context: { kind: "mention", title: pr.title, description: pr.body },
      question: comment.body,
      post: (body) => github.repository(ref).replyOnPullRequest(job.number, body),
    };
  }
  const { inReplyTo } = job.where;
  if (root === undefined) return { reason: "not a thread the app started" };
  const question = await answers.readReviewComment(job.commentId);
  if (question === undefined) return { reason: "the comment is gone" };
  // Outdated comments have no line at the head: their code is read where it was commented on.
  const line = root.line ?? root.originalLine ?? undefined;
  const at = root.line === null ? root.commitId : (await readPullRequest()).headSha;
  const file = await answers.readFile(root.path, at);
  return {
    context: {
      kind: "thread",
      finding: stripRecord(root.body),
      path: root.path,
      code: codeAround({
        diffHunk: root.diffHunk,
        ...(file === undefined ? {} : { file }),
        ...(line === undefined ? {} : { line }),
      }),
    },
    question: question.body,
    post: (body) => answers.replyInThread({ number: job.number, rootId: inReplyTo, body }),
  };
}

/** The answer as a thread event (the tally) and a ledger row (what it cost). */
async function record(params: {
  job: AnswerJob;
  jobId: string;
  deps: JobDeps;
  meter: SpendMeter;
  started: number;
}) {
  const { job, deps } = params;
  await deps.store.recordThreadEvent({
    installationId: job.installationId,
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
    key: String(job.commentId),
    kind: "answered",
    detail: job.where.kind,
    at: Date.now(),
  });
  await recordAnswerRun({ ...params, outcome: "completed" });
}

/** One ledger row for an answer, what it spent whether or not it was posted. */
async function recordAnswerRun(params: {
  job: AnswerJob;
  jobId: string;
  deps: JobDeps;
  meter: SpendMeter;
  started: number;
  outcome: "completed" | "failed";
  reason?: string;
}) {
  const { job } = params;
  const now = Date.now();
  await params.deps.store.recordRun({
    id: randomUUID(),
    jobId: params.jobId,
    installationId: job.installationId,
    repo: `${job.owner}/${job.repo}`,
    pr: job.number,
    trigger: "answer",
    ...ledgerSpend(params.meter.totals()),
    durationMs: now - params.started,
    findingsPosted: 0,
    findingsNotInline: 0,
    outcome: params.outcome,
    ...(params.reason === undefined ? {} : { reason: params.reason }),
    startedAt: params.started,
    finishedAt: now,
  });
}

/** Model, requests, tokens and dollars, as a review's outcome line says them. */
function spentFields(meter: SpendMeter | undefined) {
  if (meter === undefined) return {};
  const totals = meter.totals();
  return {
    model: totals.models.map((one) => one.model).join(", ") || undefined,
    requests: totals.requests,
    promptCacheHitTokens: totals.usage.promptCacheHitTokens,
    promptCacheMissTokens: totals.usage.promptCacheMissTokens,
    completionTokens: totals.usage.completionTokens,
    costUsd: totals.costUsd,
  };
}
