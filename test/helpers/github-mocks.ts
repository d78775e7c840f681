import nock from "nock";
import { readFindingRecord, readReviewRecord } from "../../src/records/read-record.js";
import { renderRecord } from "../../src/records/render-record.js";
import { webhookExample } from "./webhook-examples.js";

export const GITHUB = "https://api.github.com";
export const APP_SLUG = "deepseek-review";
export const BOT_LOGIN = `${APP_SLUG}[bot]`;

export interface GitHubPullRequestMocks {
  owner?: string;
  repo?: string;
  number?: number;
  /** `pulls.listFiles` items (REST shape). */
  files?: unknown[];
  /** `pulls.listReviews` items (REST shape); default none. */
  reviews?: unknown[];
  /** `pulls.listReviewComments` items (REST shape); default none. */
  comments?: unknown[];
  /**
   * The review threads the GraphQL API answers with (see `reviewThread`). Asked only when the app has said
   * findings on the pull request (its comments' or reviews' records): then default none.
   */
  threads?: unknown[];
  /** The YAML of `.github/deepseek-review.yml`; undefined: no file (nor in the owner's `.github` repository). */
  config?: string;
  /** Mock the installation token and `GET /app` (the app's login); default true. */
  auth?: boolean;
  /** The job stops after the app's own reviews (the head was already reviewed): files and comments are not read. */
  stopsAtReviews?: boolean;
  /**
   * The pull request `pulls.get` answers with (a job reads it first, and again after listing the files); default
   * the `pull_request.opened` example's, with `headSha` when given.
   */
  pull?: Record<string, unknown>;
  headSha?: string;
}

let currentPull: Record<string, unknown> | undefined;

/**
 * What `pulls.get` answers from now on when a mock is not given a pull request: a test that sends a changed
 * payload sets it to the payload's `pull_request`, as GitHub would show that pull request. Reset after each test.
 */
export function setCurrentPull(pull: Record<string, unknown> | undefined): void {
  currentPull = pull;
}

/** A `pulls.get` answer: the `pull_request.opened` example's pull request with these changes. */
export function pullRequestObject(
  params: { headSha?: string; state?: string; labels?: string[]; number?: number } = {},
) {
  const pull = webhookExample<{ pull_request: Record<string, unknown> }>(
    "pull_request",
    "opened",
  ).pull_request;
  const head = pull.head as Record<string, unknown>;
  return {
    ...pull,
    ...(params.number === undefined ? {} : { number: params.number }),
    ...(params.state === undefined ? {} : { state: params.state }),
    ...(params.labels === undefined ? {} : { labels: params.labels.map((name) => ({ name })) }),
    head: { ...head, ...(params.headSha === undefined ? {} : { sha: params.headSha }) },
  };
}

/** An installation token and the app's slug, as every job asks for them. */
export function mockAppAuth(): void {
  nock(GITHUB)
    .post(/^\/app\/installations\/\d+\/access_tokens$/)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: {} });
  nock(GITHUB).get("/app").reply(200, { id: 123, slug: APP_SLUG, name: "DeepSeek Review" });
}

/** `.github/deepseek-review.yml` as Probot's config plugin reads it (the repository, then the owner's `.github`). */
export function mockRepoConfig(params: { owner: string; repo: string; config?: string }): void {
  const path = /\/contents\/\.github(%2F|\/)deepseek-review\.yml/;
  const repoPath = new RegExp(`^/repos/${params.owner}/${params.repo}${path.source}`);
  if (params.config === undefined) {
    nock(GITHUB).get(repoPath).reply(404, { message: "Not Found" });
    nock(GITHUB)
      .get(new RegExp(`^/repos/${params.owner}/\\.github${path.source}`))
      .reply(404, { message: "Not Found" });
  } else {
    nock(GITHUB).get(repoPath).reply(200, params.config);
  }
}

/** The GitHub calls of one review job: files, the app's own reviews and comments, and the config. */
export function mockPullRequestReads(params: GitHubPullRequestMocks): void {
  const owner = params.owner ?? "Codertocat";
  const repo = params.repo ?? "Hello-World";
  const number = params.number ?? 2;
  if (params.auth ?? true) mockAppAuth();
  const pull =
    params.pull ??
    (params.headSha === undefined ? undefined : pullRequestObject({ number, headSha: params.headSha }));
  mockGetPullRequest({
    owner,
    repo,
    number,
    times: params.stopsAtReviews ? 1 : 2,
    ...(pull === undefined ? {} : { pull }),
  });
  mockRepoConfig({ owner, repo, ...(params.config === undefined ? {} : { config: params.config }) });
  mockPullRequestLists({ ...params, owner, repo, number });
  // The check run of the review, for tests about something else (a test about it mocks it first, and reads it).
  mockCheckRuns({ owner, repo, optional: true });
}

/** The three lists a review reads: the files, the app's own reviews and the review comments (no auth, no config). */
export function mockPullRequestLists(
  params: Pick<
    GitHubPullRequestMocks,
    "owner" | "repo" | "number" | "files" | "reviews" | "comments" | "threads" | "stopsAtReviews"
  >,
): void {
  const base = `/repos/${params.owner ?? "Codertocat"}/${params.repo ?? "Hello-World"}/pulls/${params.number ?? 2}`;
  nock(GITHUB)
    .get(`${base}/reviews`)
    .query({ per_page: 100 })
    .reply(200, params.reviews ?? []);
  if (params.stopsAtReviews) return;
  nock(GITHUB)
    .get(`${base}/files`)
    .query({ per_page: 100 })
    .reply(200, params.files ?? [])
    .get(`${base}/comments`)
    .query({ per_page: 100 })
    .reply(200, params.comments ?? []);
  if (params.threads !== undefined || hasSaidFindings(params))
    mockReviewThreads({ threads: params.threads ?? [] });
}

/** Whether the app's own comments or reviews record findings: then the review reads its threads (GraphQL). */
function hasSaidFindings(params: Pick<GitHubPullRequestMocks, "comments" | "reviews">): boolean {
  type Item = { user?: { login?: string }; body?: string; commit_id?: string };
  const own = (item: Item) => item.user?.login === BOT_LOGIN;
  return (
    ((params.comments ?? []) as Item[]).some(
      (item) => own(item) && readFindingRecord(item.body) !== undefined,
    ) ||
    ((params.reviews ?? []) as Item[]).some(
      (item) => own(item) && (readReviewRecord(item.body, item.commit_id ?? "")?.refused.length ?? 0) > 0,
    )
  );
}

/**
 * A nock body matcher that accepts any JSON body and records it. nock also calls body matchers while it tries
 * interceptors for other requests in flight (seen with an empty body, and with the bodies of other POSTs): only
 * real JSON bodies holding the field `key` are recorded.
 */
export function recordBody<T>(sent: T[], key: string) {
  return (body: unknown): boolean => {
    if (typeof body === "object" && body !== null && key in body) sent.push(body as T);
    return true;
  };
}

/** A check run as the app sends it (`checks.create` or `checks.update`). */
export interface SentCheckRun {
  name?: string;
  head_sha?: string;
  status: "in_progress" | "completed";
  conclusion?: string;
  output: { title: string; summary: string; text?: string };
}

/**
 * The app's check runs on the repository: `checks.create` answers with `id`, `checks.update` of that id; each body
 * recorded in order. `optional`: the calls may not come at all (for tests about something else).
 */
export function mockCheckRuns(
  params: { owner?: string; repo?: string; id?: number; optional?: boolean } = {},
) {
  const sent: SentCheckRun[] = [];
  const id = params.id ?? 555;
  // Recorded when answered (a body matcher is also called for requests another interceptor answers).
  const answer = (status: number) => async (request: Request) => {
    sent.push((await request.json()) as SentCheckRun);
    return [status, { id }] as [number, { id: number }];
  };
  // Updates come when the review shows progress, or not at all.
  nock(GITHUB)
    .persist()
    .patch(`${repoPath(params)}/check-runs/${id}`)
    .optionally()
    .reply(answer(200));
  const create = nock(GITHUB).post(`${repoPath(params)}/check-runs`);
  if (params.optional) create.optionally().times(Number.MAX_SAFE_INTEGER).reply(answer(201));
  else create.reply(answer(201));
  return sent;
}

/** Records the body of `pulls.createReview` and answers with `id`. */
export function mockCreateReview(params: { owner?: string; repo?: string; number?: number; id?: number }) {
  const sent: Record<string, unknown>[] = [];
  nock(GITHUB)
    .post(
      `/repos/${params.owner ?? "Codertocat"}/${params.repo ?? "Hello-World"}/pulls/${params.number ?? 2}/reviews`,
      recordBody(sent, "commit_id"),
    )
    .reply(200, { id: params.id ?? 77 });
  return sent;
}

/** A review by this app in `pulls.listReviews` shape, with the record of the head it covered, completely. */
/** The base commit of the `pull_request.opened` example's pull request. */
export const EXAMPLE_BASE_SHA = (pullRequestObject() as unknown as { base: { sha: string } }).base.sha;

export function ownReview(params: { id: number; reviewedSha: string; login?: string; base?: string }) {
  const record = renderRecord({
    kind: "review",
    head: params.reviewedSha,
    // The base of the example pull request, as the app recorded it when it reviewed.
    base: params.base ?? EXAMPLE_BASE_SHA,
    complete: true,
    post: `post-${params.id}-nonce`,
    refused: [],
  });
  return {
    id: params.id,
    user: { login: params.login ?? BOT_LOGIN, type: "Bot" },
    body: `### DeepSeek review\n\n${record}`,
    state: "COMMENTED",
    commit_id: params.reviewedSha,
    submitted_at: "2026-11-30T00:00:00Z",
  };
}

const repoPath = (params: { owner?: string; repo?: string }) =>
  `/repos/${params.owner ?? "Codertocat"}/${params.repo ?? "Hello-World"}`;

/**
 * `repos.compareCommitsWithBasehead` for `base...head`: the comparison GitHub answers with `status` and `files`
 * (REST shape), or an error status (e.g. 404 when `base` is gone).
 */
export function mockCompare(params: {
  owner?: string;
  repo?: string;
  base: string;
  head: string;
  status?: "ahead" | "behind" | "diverged" | "identical";
  files?: unknown[];
  httpStatus?: number;
}): void {
  const scope = nock(GITHUB)
    .get(`${repoPath(params)}/compare/${params.base}...${params.head}`)
    .query({ per_page: 100 });
  if (params.httpStatus !== undefined && params.httpStatus !== 200) {
    scope.reply(params.httpStatus, { message: "Not Found" });
    return;
  }
  scope.reply(200, {
    status: params.status ?? "ahead",
    ahead_by: 1,
    behind_by: 0,
    total_commits: 1,
    commits: [],
    files: params.files ?? [],
  });
}

/** Records the body of a reaction to an issue comment (`reactions.createForIssueComment`). */
export function mockReaction(params: { owner?: string; repo?: string; commentId: number }) {
  const sent: Record<string, unknown>[] = [];
  nock(GITHUB)
    .post(`${repoPath(params)}/issues/comments/${params.commentId}/reactions`, recordBody(sent, "content"))
    .reply(201, { id: 1, content: "eyes" });
  return sent;
}

/** `repos.getCollaboratorPermissionLevel` for `user`: GitHub's `permission` and the finer `role_name`. */
export function mockPermission(params: {
  owner?: string;
  repo?: string;
  user: string;
  permission: string;
  roleName?: string;
}): void {
  nock(GITHUB)
    .get(`${repoPath(params)}/collaborators/${encodeURIComponent(params.user)}/permission`)
    .reply(200, {
      permission: params.permission,
      role_name: params.roleName ?? params.permission,
      user: { login: params.user, type: "User" },
    });
}

/**
 * `pulls.get` (`times` times, default once): answers with `pull`, else with the pull request the test set with
 * `setCurrentPull`, else the `pull_request.opened` example's (a webhook `pull_request` has the fields the app reads).
 */
export function mockGetPullRequest(
  params: {
    owner?: string;
    repo?: string;
    number?: number;
    pull?: Record<string, unknown>;
    times?: number;
  } = {},
): void {
  const number = params.number ?? (params.pull?.number as number | undefined) ?? 2;
  nock(GITHUB)
    .get(`${repoPath(params)}/pulls/${number}`)
    .times(params.times ?? 1)
    .reply(200, () => params.pull ?? currentPull ?? pullRequestObject({ number }));
}

/** Records the body of a comment on the pull request's conversation (`issues.createComment`). */
export function mockIssueComment(params: { owner?: string; repo?: string; number?: number }) {
  const sent: Record<string, unknown>[] = [];
  nock(GITHUB)
    .post(`${repoPath(params)}/issues/${params.number ?? 2}/comments`, recordBody(sent, "body"))
    .reply(201, { id: 900 });
  return sent;
}

/** An inline review comment in `pulls.listReviewComments` shape; by this app unless `login` says otherwise. */
export function reviewComment(params: {
  id: number;
  body: string;
  path: string;
  line: number;
  login?: string;
}) {
  const login = params.login ?? BOT_LOGIN;
  return {
    id: params.id,
    user: { login, type: login.endsWith("[bot]") ? "Bot" : "User" },
    body: params.body,
    path: params.path,
    line: params.line,
    side: "RIGHT",
    commit_id: "0000000000000000000000000000000000000000",
  };
}

/** One review thread as GitHub's GraphQL API answers it (the fields the app reads). */
export function reviewThread(params: {
  id: string;
  path: string;
  line?: number | null;
  isResolved?: boolean;
  isOutdated?: boolean;
  resolvedBy?: string;
  comments: {
    id: number;
    body: string;
    /** Default the app itself; GraphQL names a bot by its slug alone. */
    login?: string;
    bot?: boolean;
    createdAt?: string;
    thumbsDownBy?: string[];
  }[];
}) {
  return {
    id: params.id,
    isResolved: params.isResolved ?? false,
    isOutdated: params.isOutdated ?? false,
    resolvedBy: params.resolvedBy === undefined ? null : { login: params.resolvedBy },
    path: params.path,
    line: params.line === undefined ? 1 : params.line,
    comments: {
      totalCount: params.comments.length,
      nodes: params.comments.map((comment, index) => {
        const bot = comment.bot ?? comment.login === undefined;
        return {
          databaseId: comment.id,
          author: { __typename: bot ? "Bot" : "User", login: comment.login ?? APP_SLUG },
          body: comment.body,
          createdAt: comment.createdAt ?? `2026-12-01T00:0${Math.min(index, 9)}:00Z`,
          reactions: { nodes: (comment.thumbsDownBy ?? []).map((login) => ({ user: { login } })) },
        };
      }),
    },
  };
}

/** `POST /graphql` with the review threads query: one page holding `threads`. */
function mockReviewThreads(params: { threads: unknown[] }): void {
  nock(GITHUB)
    .post("/graphql", (body: { query?: string }) => body.query?.includes("reviewThreads") === true)
    .reply(200, {
      data: {
        repository: {
          pullRequest: {
            reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: params.threads },
          },
        },
      },
    });
}

/** `POST /graphql` replying in a thread and resolving it (`times` times): records the variables sent. */
export function mockReplyAndResolve(params: { times?: number } = {}) {
  const sent: { thread: string; body: string }[] = [];
  nock(GITHUB)
    .post("/graphql", (body: { query?: string; variables?: { thread: string; body: string } }) => {
      if (body.query?.includes("resolveReviewThread") !== true || body.variables === undefined) return false;
      // nock may call a matcher more than once for one request.
      if (!sent.some((one) => one.thread === body.variables?.thread)) sent.push(body.variables);
      return true;
    })
    .times(params.times ?? 1)
    .reply(200, {
      data: { reply: { comment: { databaseId: 1 } }, resolve: { thread: { isResolved: true } } },
    });
  return sent;
}
