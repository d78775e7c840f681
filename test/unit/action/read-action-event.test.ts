import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readActionEvent, readActionInputs } from "../../../src/action/read-action-context.js";
import { writeOutputs } from "../../../src/action/write-env-files.js";
import { webhookExample } from "../../helpers/webhook-examples.js";

const dir = mkdtempSync(join(tmpdir(), "deepseek-review-event-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function eventOf(name: string, payload: unknown) {
  const path = join(dir, `${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return readActionEvent({ GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: path });
}

function pullRequest(action: string, headRepo?: string | null) {
  const payload = webhookExample<Record<string, unknown>>("pull_request", "opened");
  payload.action = action;
  const pr = payload.pull_request as { head: { repo: Record<string, unknown> | null } };
  if (headRepo === null) pr.head.repo = null;
  else if (headRepo !== undefined) pr.head.repo = { ...pr.head.repo, full_name: headRepo };
  return payload;
}

function comment(body: string, association: string) {
  const payload = webhookExample<Record<string, unknown>>("issue_comment", "created");
  payload.issue = { ...(payload.issue as object), number: 7, pull_request: { url: "x" } };
  payload.comment = { ...(payload.comment as object), body, author_association: association };
  return payload;
}

describe("readActionEvent", () => {
  it.each(["opened", "reopened", "synchronize", "ready_for_review"])(
    "reviews what is new on pull_request.%s",
    (action) => {
      expect(eventOf("pull_request", pullRequest(action))).toMatchObject({
        kind: "review",
        owner: "Codertocat",
        repo: "Hello-World",
        trigger: "auto",
        pro: false,
      });
    },
  );

  it("skips other pull request actions, saying which", () => {
    expect(eventOf("pull_request", pullRequest("closed"))).toEqual({
      kind: "skip",
      reason: "pull_request.closed is not reviewed",
    });
  });

  it.each([["someone/Hello-World"], [null]])("tells a pull request from a fork (%s)", (head) => {
    expect(eventOf("pull_request", pullRequest("opened", head))).toMatchObject({ kind: "fork" });
  });

  it("reviews a fork's pull request on pull_request_target, which runs with the base repository's token", () => {
    expect(eventOf("pull_request_target", pullRequest("opened", "someone/Hello-World"))).toMatchObject({
      kind: "review",
      trigger: "auto",
    });
  });

  it("reviews the whole pull request on /review and /review pro from a collaborator", () => {
    expect(eventOf("issue_comment", comment("/review", "COLLABORATOR"))).toMatchObject({
      kind: "review",
      number: 7,
      trigger: "command",
      pro: false,
    });
    expect(eventOf("issue_comment", comment("/review pro\nplease", "OWNER"))).toMatchObject({ pro: true });
  });

  it.each([
    ["/review", "CONTRIBUTOR", /has no access to the repository/],
    ["/review", "NONE", /has no access to the repository/],
    ["/review pause", "OWNER", /command of the App only/],
    ["looks good", "OWNER", /not a \/review command/],
  ])("skips %j from %s", (body, association, reason) => {
    const event = eventOf("issue_comment", comment(body, association));
    expect(event.kind).toBe("skip");
    expect(event.kind === "skip" ? event.reason : "").toMatch(reason);
  });

  it("refuses a payload GitHub would not send, saying where", () => {
    expect(() => eventOf("pull_request", { action: "opened", repository: {} })).toThrow(
      /^the pull_request event payload is not one GitHub sends: repository\.full_name: /,
    );
  });

  it("skips a comment on an issue, and events it does not review", () => {
    const payload = comment("/review", "OWNER");
    payload.issue = { ...(payload.issue as object), pull_request: undefined };
    expect(eventOf("issue_comment", payload)).toMatchObject({ kind: "skip" });
    expect(eventOf("push", {})).toMatchObject({ kind: "skip" });
  });
});

describe("readActionInputs", () => {
  it("reads the inputs as the runner names them, and refuses a bad one with what it must be", () => {
    expect(
      readActionInputs({ INPUT_MODEL: "pro", "INPUT_FAIL-ON": "minor", "INPUT_MAX-PR-TOKENS": "5000" }),
    ).toEqual({
      model: "pro",
      failOn: "minor",
      maxPrTokens: "5000",
    });
    expect(readActionInputs({})).toEqual({ failOn: "none" });
    expect(() => readActionInputs({ INPUT_MODEL: "gpt" })).toThrow("the model input must be flash or pro");
    expect(() => readActionInputs({ "INPUT_FAIL-ON": "high" })).toThrow("the fail-on input must be one of");
  });
});

describe("writeOutputs", () => {
  it("writes each output between delimiters no value can forge", async () => {
    const path = join(dir, "output.txt");
    writeFileSync(path, "");
    await writeOutputs({ GITHUB_OUTPUT: path }, { findings: "2", "review-id": "1\nfindings<<EOF\n99\nEOF" });
    // Read back as the runner reads the file: `name<<delimiter`, then lines up to the delimiter.
    const lines = readFileSync(path, "utf8").split("\n");
    const outputs: Record<string, string> = {};
    for (let index = 0; index < lines.length; index++) {
      const match = /^([\w-]+)<<(.+)$/.exec(lines[index] ?? "");
      if (match === null) continue;
      const end = lines.indexOf(match[2] ?? "", index + 1);
      outputs[match[1] ?? ""] = lines.slice(index + 1, end).join("\n");
      index = end;
    }
    expect(outputs).toEqual({ findings: "2", "review-id": "1\nfindings<<EOF\n99\nEOF" });
  });
});
