import { describe, expect, it } from "vitest";
import type { ModelRequest } from "../../../src/llm/types.js";
import { estimateTokens } from "../../../src/review/count-tokens.js";
import { type ReviewSettings, reviewPullRequest } from "../../../src/review/review-pull-request.js";
import type { PullRequestInfo } from "../../../src/review/types.js";
import {
  answerWith,
  createRecordingGateway,
  createRecordingLogger,
  createScriptedModel,
  noLimit,
  pullRequestFile,
  reviewSettings,
} from "../../helpers/fakes.js";

const HEAD_SHA = "0123456789abcdef0123456789abcdef01234567";
const pr: PullRequestInfo = {
  owner: "octo",
  repo: "hello",
  number: 7,
  title: "Check the user",
  body: "Adds a guard.",
  headSha: HEAD_SHA,
  baseSha: "fedcba9876543210fedcba9876543210fedcba98",
};

/** A TypeScript file of 300 lines with `load` on lines 100-120; the PR changes line 110. */
function sourceOf(name: string): string {
  const lines = Array.from({ length: 300 }, (_, index) => `const ${name}${index + 1} = ${index + 1};`);
  lines[99] = `export function load${name}(user: User | undefined) {`;
  lines[100] = "  if (user === undefined) throw new Error('no user');";
  lines[119] = "}";
  return `${lines.join("\n")}\n`;
}

function fileOf(name: string) {
  return pullRequestFile({
    path: `src/${name}.ts`,
    patch: [
      "@@ -108,5 +108,5 @@",
      ` const ${name}108 = 108;`,
      ` const ${name}109 = 109;`,
      `-const ${name}110 = 110;`,
      `+const ${name}110 = user.name;`,
      ` const ${name}111 = 111;`,
      ` const ${name}112 = 112;`,
    ].join("\n"),
  });
}

const NAMES = ["a", "b", "c"];

async function review(params: {
  contents: Record<string, string | Error>;
  settings?: Partial<ReviewSettings>;
  answer?: unknown[];
}) {
  const github = createRecordingGateway({
    headSha: HEAD_SHA,
    files: NAMES.map(fileOf),
    reviewId: 42,
    contents: params.contents,
  });
  const model = createScriptedModel(() => answerWith(params.answer ?? []));
  const log = createRecordingLogger();
  const outcome = await reviewPullRequest({
    pr,
    github,
    model,
    // A chunk per file, so that one review makes several requests.
    settings: { ...reviewSettings({ maxChunkTokens: 90 }), contextMaxFileTokens: 2_000, ...params.settings },
    limit: noLimit,
    countTokens: estimateTokens,
    log,
  });
  return { outcome, github, model, log };
}

const userMessage = (request: ModelRequest | undefined) => request?.messages[1]?.content ?? "";
/** What comes before the chunk's own part: the prefix every request of the review shares. */
const sharedPart = (request: ModelRequest | undefined) =>
  userMessage(request).split("Code around this part of the diff")[0] ?? "";

const contents = Object.fromEntries(NAMES.map((name) => [`src/${name}.ts`, sourceOf(name)]));

describe("reviewPullRequest with context beyond the hunk", () => {
  it("sends each chunk the enclosing function of its hunks, after a shared part that is the same in every request", async () => {
    const { model } = await review({ contents });
    expect(model.requests).toHaveLength(3);
    const [first, ...others] = model.requests;
    for (const request of others) {
      expect(request.messages[0]?.content).toBe(first?.messages[0]?.content);
      expect(sharedPart(request)).toBe(sharedPart(first));
    }
    expect(sharedPart(first)).toContain(
      "<changed_files>\n- src/a.ts\n- src/b.ts\n- src/c.ts\n</changed_files>",
    );
    for (const request of model.requests) {
      const message = userMessage(request);
      const name = /=== FILE: src\/(\w)\.ts ===/.exec(message)?.[1] as string;
      expect(message).toContain(`=== CONTEXT: src/${name}.ts ===\n--- lines 100-120 (enclosing code) ---\n`);
      expect(message).toContain(`  100: export function load${name}(user: User | undefined) {\n`);
      expect(message.indexOf("<code_context>")).toBeLessThan(message.indexOf("<diff>"));
      // The diff's lines are not repeated as context.
      expect(message).not.toContain("  110: ");
    }
  });

  it("reads each file once at the reviewed head", async () => {
    const { github } = await review({ contents });
    expect(github.reads?.sort()).toEqual(NAMES.map((name) => `${HEAD_SHA}:src/${name}.ts`));
  });

  it("never comments on a context line: a finding there is listed in the body, not inline", async () => {
    const { github } = await review({
      contents,
      answer: [
        { path: "src/a.ts", line: 101, severity: "major", title: "Context line", body: "On the guard." },
        { path: "src/a.ts", line: 110, severity: "major", title: "Diff line", body: "On the change." },
      ],
    });
    const posted = github.reviews[0];
    expect(posted?.comments.map((comment) => comment.line)).toEqual([110]);
    expect(posted?.body).toContain("line 101 is not part of the diff");
  });

  it("reviews a file whose read failed with its diff alone, and logs why", async () => {
    const { model, log } = await review({
      contents: { ...contents, "src/b.ts": Object.assign(new Error("token ghs_secret"), { status: 502 }) },
    });
    const forB = model.requests.find((request) => userMessage(request).includes("=== FILE: src/b.ts"));
    expect(userMessage(forB)).not.toContain("<code_context>");
    expect(log.withMessage("context not read")).toEqual([
      expect.objectContaining({ obj: { path: "src/b.ts", reason: "HTTP 502" } }),
    ]);
    const forA = model.requests.find((request) => userMessage(request).includes("=== FILE: src/a.ts"));
    expect(userMessage(forA)).toContain("<code_context>");
  });

  it("sends no context when it is turned off", async () => {
    const { model } = await review({ contents, settings: { contextMaxFileTokens: 0 } });
    for (const request of model.requests) expect(userMessage(request)).not.toContain("<code_context>");
  });

  it("keeps context within what the diff left of the pull request's token budget", async () => {
    const { model } = await review({ contents, settings: { maxPrTokens: 600 } });
    // The three small diffs fit; 600 tokens do not hold three enclosing functions on top.
    const withContext = model.requests.filter((request) => userMessage(request).includes("<code_context>"));
    expect(withContext.length).toBeLessThan(3);
  });
});
