import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type GuardedContext,
  guardHandler,
  issueCommentEventSchema,
  PAYLOAD_NOT_UNDERSTOOD,
  pullRequestEventSchema,
  pullRequestLabeledEventSchema,
  WEBHOOK_NOT_QUEUED,
} from "../../../src/github/guard-handler.js";
import { webhookExample } from "../../helpers/webhook-examples.js";

function fakeContext(payload: unknown) {
  const warnings: { obj: object; msg: string }[] = [];
  const context: GuardedContext = {
    id: "delivery-9",
    name: "pull_request",
    payload,
    log: {
      warn: (obj, msg) => warnings.push({ obj, msg }),
      error: (obj, msg) => warnings.push({ obj, msg }),
    },
  };
  return { context, warnings };
}

describe("guardHandler", () => {
  it("runs the handler on a payload that matches the schema", async () => {
    const seen: unknown[] = [];
    const { context, warnings } = fakeContext({ action: "opened", n: 1 });

    await guardHandler(z.object({ n: z.number() }), async (one) => {
      seen.push(one.payload);
    })(context);

    expect(seen).toEqual([{ action: "opened", n: 1 }]);
    expect(warnings).toEqual([]);
  });

  it("logs where a payload went wrong, with the delivery and the event, and skips the handler", async () => {
    const { context, warnings } = fakeContext({ action: "opened", n: "1", m: null });
    let ran = false;

    await guardHandler(z.object({ n: z.number(), m: z.object({ x: z.string() }) }), async () => {
      ran = true;
    })(context);

    expect(ran).toBe(false);
    expect(warnings).toEqual([
      {
        msg: PAYLOAD_NOT_UNDERSTOOD,
        obj: {
          delivery: "delivery-9",
          event: "pull_request.opened",
          problems: [
            "n: Invalid input: expected number, received string",
            "m: Invalid input: expected object, received null",
          ],
        },
      },
    ]);
  });

  it("names the payload itself when it is not an object, and lists at most ten problems", async () => {
    const wide = z.object(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, z.string()])));
    const notAnObject = fakeContext(42);
    const empty = fakeContext({});

    await guardHandler(wide, async () => {})(notAnObject.context);
    await guardHandler(wide, async () => {})(empty.context);

    expect(notAnObject.warnings[0]?.obj).toEqual({
      delivery: "delivery-9",
      event: "pull_request",
      problems: ["(payload): Invalid input: expected object, received number"],
    });
    const problems = (empty.warnings[0]?.obj as { problems?: string[] } | undefined)?.problems ?? [];
    expect(problems).toHaveLength(11);
    expect(problems.at(-1)).toBe("…and 2 more");
  });

  it("hands the handler the payload as the schema parsed it", async () => {
    const seen: unknown[] = [];
    const { context } = fakeContext({ action: "opened", n: 1, extra: true });

    await guardHandler(z.object({ n: z.number() }), async (_context, payload) => {
      seen.push(payload);
    })(context);

    expect(seen).toEqual([{ n: 1 }]);
  });

  it("logs what the handler throws (a job that could not be stored) and fails the delivery, so it can be redelivered", async () => {
    const { context, warnings } = fakeContext({ action: "opened" });

    await expect(
      guardHandler(z.object({}), async () => {
        throw new Error("database is locked\nat line 3");
      })(context),
    ).rejects.toThrow("database is locked");

    expect(warnings).toEqual([
      {
        msg: WEBHOOK_NOT_QUEUED,
        obj: {
          delivery: "delivery-9",
          event: "pull_request.opened",
          err: { name: "Error", message: "database is locked" },
        },
      },
    ]);
  });
});

describe("the event schemas", () => {
  it.each([
    ["pull_request", "opened"],
    ["pull_request", "synchronize"],
    ["pull_request", "reopened"],
    ["pull_request", "ready_for_review"],
  ])("accept a real %s.%s payload", (event, action) => {
    expect(pullRequestEventSchema.safeParse(webhookExample(event, action)).success).toBe(true);
  });

  it("accept a real pull_request.labeled payload", () => {
    expect(pullRequestLabeledEventSchema.safeParse(webhookExample("pull_request", "labeled")).success).toBe(
      true,
    );
  });

  it("accept a real issue_comment.created payload", () => {
    expect(issueCommentEventSchema.safeParse(webhookExample("issue_comment", "created")).success).toBe(true);
  });
});
