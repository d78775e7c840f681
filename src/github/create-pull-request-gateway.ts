import type { ProbotOctokit } from "probot";
import { readFindingRecord, readReviewRecord } from "../records/read-record.js";
import type { Comparison, OwnReview, PullRequestFile, PullRequestGateway } from "../review/types.js";
import { hasStatus } from "./http-status.js";
import { postReview } from "./post-review.js";

type Octokit = InstanceType<typeof ProbotOctokit>;
type RestFile = Awaited<ReturnType<Octokit["rest"]["pulls"]["listFiles"]>>["data"][number];
type RestReview = Awaited<ReturnType<Octokit["rest"]["pulls"]["listReviews"]>>["data"][number];

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

/** Files larger than this are not read for context (GitHub's contents API sends up to 1 MB in one answer). */
export const MAX_READ_FILE_BYTES = 512 * 1024;

/** GitHub lists at most this many files for a comparison: a list this long may be cut short. */
const COMPARE_FILE_LIMIT = 300;

/**
 * The only place that speaks GitHub's REST API for a review: raw objects become our own types here.
 * `botLogin` is the app's own login (e.g. "deepseek-review[bot]"): records are read from its reviews and comments
 * only, and only from the last line of their bodies (src/records). The app's reviews are read once per gateway
 * (one job): `listOwnReviews` and `listPostedFindings` share the list.
 */
export function createPullRequestGateway(
  octokit: Octokit,
  ref: PullRequestRef & { botLogin: string },
): PullRequestGateway {
  const pull = { owner: ref.owner, repo: ref.repo, pull_number: ref.number, per_page: 100 };
  const isBot = (user: { login: string } | null) => user?.login.toLowerCase() === ref.botLogin.toLowerCase();
  let ownReviews: Promise<OwnReview[]> | undefined;
  const listOwnReviews = () => {
    ownReviews ??= octokit
      .paginate(octokit.rest.pulls.listReviews, pull)
      .then((reviews) => reviews.filter((review) => isBot(review.user)).flatMap(toOwnReview));
    return ownReviews;
  };

  // One read per file and commit in a job, however many chunks or passes ask for it.
  const reads = new Map<string, Promise<string | undefined>>();

  return {
    readFile(path, ref) {
      const key = `${ref}\0${path}`;
      let read = reads.get(key);
      if (read === undefined) {
        read = readFileAt(octokit, { owner: pull.owner, repo: pull.repo, path, ref });
        reads.set(key, read);
      }
      return read;
    },
    async listFiles() {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, pull);
      return files.map(toPullRequestFile);
    },
    async readHead() {
      const { data } = await octokit.rest.pulls.get({
        owner: ref.owner,
        repo: ref.repo,
        pull_number: ref.number,
      });
      return { headSha: data.head.sha, baseSha: data.base.sha };
    },
    async createReview(review) {
      // Comments GitHub does not accept (or that could not be checked) are listed in the body of the posted review.
      const { id, refused, notChecked } = await postReview(octokit, ref, review);
      return { id, rejected: refused.length + notChecked.length };
    },
    listOwnReviews,
    async listPostedFindings() {
      const [reviews, comments] = await Promise.all([
        listOwnReviews(),
        octokit.paginate(octokit.rest.pulls.listReviewComments, pull),
      ]);
      const inline = comments
        .filter((comment) => isBot(comment.user))
        .flatMap((comment) => readFindingRecord(comment.body) ?? []);
      return [...inline, ...reviews.flatMap((review) => review.record?.refused ?? [])];
    },
    async compare(base, head) {
      try {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
          owner: ref.owner,
          repo: ref.repo,
          basehead: `${base}...${head}`,
          per_page: 100,
        });
        const files = data.files ?? [];
        return {
          status: data.status,
          files: files.map(toPullRequestFile),
          complete: files.length < COMPARE_FILE_LIMIT,
        } satisfies Comparison;
      } catch (error) {
        if (hasStatus(error, 404) || hasStatus(error, 422)) {
          return undefined;
        }
        throw error;
      }
    },
  };
}

/** A text file's content at `ref` from the contents API; undefined for anything else (see `readFile`). */
export async function readFileAt(
  octokit: Octokit,
  params: { owner: string; repo: string; path: string; ref: string },
): Promise<string | undefined> {
  try {
    // `{+path}` keeps the path's slashes: `repos.getContent` sends them as `%2F`, which some tokens get a 404 for.
    const { data } = (await octokit.request("GET /repos/{owner}/{repo}/contents/{+path}", params)) as Awaited<
      ReturnType<Octokit["rest"]["repos"]["getContent"]>
    >;
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return undefined;
    if (data.size > MAX_READ_FILE_BYTES || data.encoding !== "base64") return undefined;
    const bytes = Buffer.from(data.content, "base64");
    if (bytes.includes(0)) return undefined;
    return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
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

/**
 * A published review of the app as `OwnReview`. A pending review was never posted, and a review whose commit
 * GitHub no longer knows (`commit_id` null) cannot anchor anything: both are left out.
 */
function toOwnReview(review: RestReview): OwnReview[] {
  if (review.state === "PENDING" || !review.commit_id) {
    return [];
  }
  const record = readReviewRecord(review.body, review.commit_id);
  return [{ id: review.id, commitId: review.commit_id, ...(record ? { record } : {}) }];
}
