import { describe, expect, it } from "vitest";
import { createThreadsGateway } from "../../../src/github/create-threads-gateway.js";
import { MAX_THREADS_READ } from "../../../src/threads/types.js";

type Octokit = Parameters<typeof createThreadsGateway>[0];

function page(nodes: unknown[], next: string | null) {
  return {
    repository: {
      pullRequest: {
        reviewThreads: { pageInfo: { hasNextPage: next !== null, endCursor: next }, nodes },
      },
    },
  };
}

function node(id: number, authors: { login: string; __typename: string }[], totalCount = authors.length) {
  return {
    id: `PRRT_${id}`,
    isResolved: false,
    isOutdated: true,
    resolvedBy: null,
    path: "a.js",
    line: null,
    comments: {
      totalCount,
      nodes: authors.map((author, index) => ({
        databaseId: id * 100 + index,
        author,
        body: "b",
        createdAt: "2026-12-01T00:00:00Z",
        reactions: { nodes: [{ user: { login: "octocat" } }, { user: null }] },
      })),
    },
  };
}

describe("createThreadsGateway", () => {
  it("names a bot as REST does, keeps people's logins, and marks a thread with more comments than read", async () => {
    const octokit = {
      graphql: async () =>
        page(
          [
            node(
              1,
              [
                { login: "deepseek-review", __typename: "Bot" },
                { login: "octocat", __typename: "User" },
              ],
              45,
            ),
            null,
          ],
          null,
        ),
    } as unknown as Octokit;
    const threads = await createThreadsGateway(octokit, { owner: "o", repo: "r", number: 1 }).listThreads();
    expect(threads).toEqual([
      expect.objectContaining({
        id: "PRRT_1",
        line: null,
        truncated: true,
        comments: [
          expect.objectContaining({
            author: "deepseek-review[bot]",
            authorIsBot: true,
            thumbsDownBy: ["octocat"],
          }),
          expect.objectContaining({ author: "octocat", authorIsBot: false }),
        ],
      }),
    ]);
  });

  it(`stops paging at MAX_THREADS_READ (${MAX_THREADS_READ}) threads, however many pages GitHub offers`, async () => {
    let asked = 0;
    const octokit = {
      graphql: async (_query: string, variables: { after: string | null }) => {
        asked += 1;
        const start = Number(variables.after ?? 0);
        return page(
          Array.from({ length: 50 }, (_, index) => node(start + index, [{ login: "x", __typename: "User" }])),
          String(start + 50),
        );
      },
    } as unknown as Octokit;
    const threads = await createThreadsGateway(octokit, { owner: "o", repo: "r", number: 1 }).listThreads();
    expect(threads).toHaveLength(MAX_THREADS_READ);
    expect(asked).toBe(MAX_THREADS_READ / 50);
  });

  it("refuses an answer of the wrong shape instead of guessing", async () => {
    const octokit = { graphql: async () => ({ repository: null }) } as unknown as Octokit;
    await expect(
      createThreadsGateway(octokit, { owner: "o", repo: "r", number: 1 }).listThreads(),
    ).rejects.toThrow();
  });
});
