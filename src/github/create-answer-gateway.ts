import type { ProbotOctokit } from "probot";
import { hasStatus } from "./http-status.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Files larger than this are not read for an answer's context (GitHub's contents API serves up to 1 MB). */
const MAX_FILE_BYTES = 512_000;

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
    async readFile(path, at) {
      try {
        const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref: at });
        if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
        if (data.size > MAX_FILE_BYTES || data.encoding !== "base64") return undefined;
        const text = Buffer.from(data.content, "base64").toString("utf8");
        return text.includes("\u0000") ? undefined : text;
      } catch (error) {
        if (hasStatus(error, 404)) return undefined;
        throw error;
      }
    },
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
