import type { ProbotOctokit } from "probot";
import { z } from "zod";
import {
  MAX_THREAD_COMMENTS,
  MAX_THREADS_READ,
  type ReviewThread,
  type ThreadsGateway,
} from "../threads/types.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** Threads per GraphQL page (GitHub's maximum is 100). */
const THREADS_PER_PAGE = 50;
/** 👎 reactions read per comment. */
const REACTIONS_READ = 20;

const THREADS_QUERY = `query($owner: String!, $repo: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: ${THREADS_PER_PAGE}, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          isOutdated
          resolvedBy { login }
          path
          line
          comments(first: ${MAX_THREAD_COMMENTS}) {
            totalCount
            nodes {
              databaseId
              author { __typename login }
              body
              createdAt
              reactions(content: THUMBS_DOWN, first: ${REACTIONS_READ}) { nodes { user { login } } }
            }
          }
        }
      }
    }
  }
}`;

const REPLY_AND_RESOLVE = `mutation($thread: ID!, $body: String!) {
  reply: addPullRequestReviewThreadReply(input: { pullRequestReviewThreadId: $thread, body: $body }) {
    comment { databaseId }
  }
  resolve: resolveReviewThread(input: { threadId: $thread }) { thread { isResolved } }
}`;

const loginSchema = z.object({ login: z.string() }).nullish();
const commentSchema = z.object({
  databaseId: z.number().int().nullish(),
  author: z.object({ __typename: z.string().optional(), login: z.string() }).nullish(),
  body: z.string(),
  createdAt: z.string(),
  reactions: z.object({ nodes: z.array(z.object({ user: loginSchema }).nullish()) }).nullish(),
});
const threadSchema = z.object({
  id: z.string(),
  isResolved: z.boolean(),
  isOutdated: z.boolean(),
  resolvedBy: loginSchema,
  path: z.string(),
  line: z.number().int().nullish(),
  comments: z.object({ totalCount: z.number().int(), nodes: z.array(commentSchema.nullish()) }),
});
const pageSchema = z.object({
  repository: z.object({
    pullRequest: z.object({
      reviewThreads: z.object({
        pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }),
        nodes: z.array(threadSchema.nullish()),
      }),
    }),
  }),
});

/**
 * The pull request's review threads through GitHub's GraphQL API (REST has no thread state): read at most
 * MAX_THREADS_READ threads and MAX_THREAD_COMMENTS comments each, converted to our own types here. On GitHub
 * Enterprise Server Probot's Octokit already points `graphql` at `/api/graphql`.
 */
export function createThreadsGateway(
  octokit: Octokit,
  ref: { owner: string; repo: string; number: number },
): ThreadsGateway {
  return {
    async listThreads() {
      const threads: ReviewThread[] = [];
      let after: string | null = null;
      while (threads.length < MAX_THREADS_READ) {
        const answer: unknown = await octokit.graphql(THREADS_QUERY, {
          owner: ref.owner,
          repo: ref.repo,
          number: ref.number,
          after,
        });
        const page = pageSchema.parse(answer).repository.pullRequest.reviewThreads;
        for (const node of page.nodes) if (node) threads.push(toThread(node));
        if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
        after = page.pageInfo.endCursor;
      }
      return threads.slice(0, MAX_THREADS_READ);
    },
    async replyAndResolve(threadId, body) {
      await octokit.graphql(REPLY_AND_RESOLVE, { thread: threadId, body });
    },
  };
}

function toThread(node: z.infer<typeof threadSchema>): ReviewThread {
  const comments = node.comments.nodes.flatMap((comment) => (comment ? [toComment(comment)] : []));
  return {
    id: node.id,
    isResolved: node.isResolved,
    isOutdated: node.isOutdated,
    ...(node.resolvedBy ? { resolvedBy: node.resolvedBy.login } : {}),
    path: node.path,
    line: node.line ?? null,
    comments,
    truncated: node.comments.totalCount > comments.length,
  };
}

function toComment(comment: z.infer<typeof commentSchema>) {
  return {
    id: comment.databaseId ?? 0,
    author: restLogin(comment.author),
    authorIsBot: comment.author?.__typename === "Bot",
    body: comment.body,
    createdAt: comment.createdAt,
    thumbsDownBy: (comment.reactions?.nodes ?? []).flatMap((reaction) =>
      reaction?.user ? [reaction.user.login] : [],
    ),
  };
}

/** GraphQL names a bot by its slug alone, REST as `<slug>[bot]`: the REST form, one login per account. */
function restLogin(author: { __typename?: string | undefined; login: string } | null | undefined): string {
  if (!author) return "";
  return author.__typename === "Bot" && !author.login.endsWith("[bot]")
    ? `${author.login}[bot]`
    : author.login;
}
