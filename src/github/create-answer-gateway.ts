import type { ProbotOctokit } from "probot";
import { readFileAt } from "./create-pull-request-gateway.js";
import { hasStatus } from "./http-status.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** A review comment as an answer needs it. */
export interface ReviewCommentInfo {
  id: number;
  author: string;
  body: string;
  path: string;
  /** The line at the pull request's head; null when the comment is outdated. */
  line: number | null;
  originalLine: number | null;
  diffHunk: string;
  /** The commit the comment was made on. */
  commitId: string;
}

/** What answering a person needs from GitHub. */
export interface AnswerGateway {
  /** A review comment of the pull request; undefined when it is gone. */
  readReviewComment(id: number): Promise<ReviewCommentInfo | undefined>;
  /** A comment on the pull request's conversation; undefined when it is gone. */
  readIssueComment(id: number): Promise<{ body: string } | undefined>;
  /** The text of `path` at `ref`; undefined when it cannot be read (gone, binary, too large). */
  readFile(path: string, ref: string): Promise<string | undefined>;
  /** Replies in the thread whose first comment is `rootId`. */
  replyInThread(params: { number: number; rootId: number; body: string }): Promise<void>;
}

export function createAnswerGateway(octokit: Octokit, ref: { owner: string; repo: string }): AnswerGateway {
  const repo = { owner: ref.owner, repo: ref.repo };
  return {
    async readReviewComment(id) {
      try {
        const { data } = await octokit.rest.pulls.getReviewComment({ ...repo, comment_id: id });
        return {
          id: data.id,
          author: data.user?.login ?? "",
          body: data.body,
          path: data.path,
          line: data.line ?? null,
          originalLine: data.original_line ?? null,
          diffHunk: data.diff_hunk,
          commitId: data.commit_id,
        };
      } catch (error) {
        if (hasStatus(error, 404)) return undefined;
        throw error;
      }
    },
    async readIssueComment(id) {
      try {
        const { data } = await octokit.rest.issues.getComment({ ...repo, comment_id: id });
        return { body: data.body ?? "" };
      } catch (error) {
        if (hasStatus(error, 404)) return undefined;
        throw error;
      }
    },
    readFile: (path, at) => readFileAt(octokit, { ...repo, path, ref: at }),
    async replyInThread({ number, rootId, body }) {
      await octokit.rest.pulls.createReplyForReviewComment({
        ...repo,
        pull_number: number,
        comment_id: rootId,
        body,
      });
    },
  };
}
