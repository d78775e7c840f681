import type { ProbotOctokit } from "probot";
import type { PullRequestFile, PullRequestGateway, ReviewComment } from "../review/types.js";

type Octokit = InstanceType<typeof ProbotOctokit>;
type RestFile = Awaited<ReturnType<Octokit["rest"]["pulls"]["listFiles"]>>["data"][number];

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

/** The only place that speaks GitHub's REST API for a review: raw objects become our own types here. */
export function createPullRequestGateway(octokit: Octokit, ref: PullRequestRef): PullRequestGateway {
  return {
    async listFiles() {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        per_page: 100,
      });
      return files.map(toPullRequestFile);
    },
    async createReview(review) {
      const { data } = await octokit.rest.pulls.createReview({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
        commit_id: review.commitId,
        event: "COMMENT",
        body: review.body,
        comments: review.comments.map(toRestComment),
      });
      return { id: data.id };
    },
  };
}

export function toPullRequestFile(file: RestFile): PullRequestFile {
  return {
    path: file.filename,
    status: file.status,
    additions: file.additions,
    deletions: file.deletions,
    changes: file.changes,
    ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
    ...(typeof file.patch === "string" ? { patch: file.patch } : {}),
  };
}

function toRestComment(comment: ReviewComment) {
  return {
    path: comment.path,
    body: comment.body,
    line: comment.line,
    side: comment.side,
    ...(comment.startLine === undefined
      ? {}
      : { start_line: comment.startLine, start_side: comment.startSide ?? comment.side }),
  };
}
