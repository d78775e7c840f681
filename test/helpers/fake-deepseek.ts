import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { VERIFY_SYSTEM_PROMPT, type Verdict } from "../../src/review/verify-findings.js";

/** One request the fake received, with when it arrived (ms, `performance.now()`) and its number from 1. */
export interface FakeDeepSeekRequest {
  call: number;
  receivedAt: number;
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The parsed JSON body (the raw text when it is not JSON). */
  body: unknown;
}

/**
 * What the fake does with one request:
 * - `answer`: a status, headers and a body (an object is sent as JSON; a string is sent as it is), after `delayMs`
 *   when given. `keepAliveLines`
 *   blank lines are sent first, `keepAliveIntervalMs` apart, as DeepSeek does while a request waits to start.
 *   `cutAfterBytes` sends only the first bytes of the body and then destroys the socket.
 * - `reset`: the socket is destroyed without an answer (the client sees a connection reset).
 * - `hang`: no answer, ever (until the client gives up or the fake is closed).
 */
export type FakeDeepSeekStep =
  | {
      kind: "answer";
      status: number;
      headers?: Record<string, string>;
      body: unknown;
      keepAliveLines?: number;
      keepAliveIntervalMs?: number;
      cutAfterBytes?: number;
      /** Milliseconds to wait before answering (cut short when the client gives up). */
      delayMs?: number;
    }
  | { kind: "reset" }
  | { kind: "hang" };

/** Steps played in order (an unscripted call gets a 500 saying so), or a function of the request. */
export type FakeDeepSeekScript = FakeDeepSeekStep[] | ((request: FakeDeepSeekRequest) => FakeDeepSeekStep);

export interface FakeDeepSeek {
  /** The base URL to give the model client (it posts to `${url}/chat/completions`). */
  url: string;
  /** Every request received, in arrival order. */
  readonly requests: FakeDeepSeekRequest[];
  /** Requests received and not yet answered, reset or given up by the client. */
  inFlight(): number;
  /** The most requests that were ever in flight at once. */
  maxInFlight(): number;
  /** Drops every open connection (hanging requests included) and stops the server. */
  close(): Promise<void>;
}

/** A scripted stand-in for DeepSeek's chat completions endpoint on 127.0.0.1, for fault tests. */
export async function startFakeDeepSeek(script: FakeDeepSeekScript): Promise<FakeDeepSeek> {
  const requests: FakeDeepSeekRequest[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on("finish", finish);
    res.on("close", finish);

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: FakeDeepSeekRequest = {
      call: requests.length + 1,
      receivedAt: performance.now(),
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      body: parseBody(Buffer.concat(chunks).toString("utf8")),
    };
    requests.push(request);
    const step = typeof script === "function" ? script(request) : script[request.call - 1];
    await play(step ?? unscripted(request.call), req, res);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function play(step: FakeDeepSeekStep, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (step.kind === "hang") return;
  if (step.kind === "reset") {
    req.socket.destroy();
    return;
  }
  if (step.delayMs !== undefined) {
    await sleepUnlessClosed(step.delayMs, res);
    if (res.destroyed) return;
  }
  const text = typeof step.body === "string" ? step.body : JSON.stringify(step.body);
  res.writeHead(step.status, { "content-type": "application/json", ...step.headers });
  for (let line = 0; line < (step.keepAliveLines ?? 0); line++) {
    res.write("\n");
    await sleep(step.keepAliveIntervalMs ?? 10);
    if (res.destroyed) return;
  }
  if (step.cutAfterBytes !== undefined) {
    res.write(Buffer.from(text, "utf8").subarray(0, step.cutAfterBytes));
    await sleep(10);
    req.socket.destroy();
    return;
  }
  res.end(text);
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function unscripted(call: number): FakeDeepSeekStep {
  return { kind: "answer", status: 500, body: { error: { message: `unscripted call ${call}` } } };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits `ms`, or less when the response closes first (no timer is left behind). */
function sleepUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on("close", done);
  });
}

/** What a chat completion carries: its message content and the usage DeepSeek reports. */
export interface ChatCompletionParams {
  content: string;
  finishReason?: string;
  /** Default 1,000. */
  promptTokens?: number;
  /** Default 50. */
  completionTokens?: number;
  /** The part of the prompt served from DeepSeek's cache; default 0. */
  cacheHitTokens?: number;
  /** Default `deepseek-v4-flash`. */
  model?: string;
}

/** The JSON body of a 200 chat completion whose message content is `content`, as DeepSeek sends it. */
export function chatCompletionBody(params: ChatCompletionParams) {
  const promptTokens = params.promptTokens ?? 1_000;
  const completionTokens = params.completionTokens ?? 50;
  const cacheHitTokens = params.cacheHitTokens ?? 0;
  return {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1_767_225_600,
    model: params.model ?? "deepseek-v4-flash",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: params.content },
        finish_reason: params.finishReason ?? "stop",
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_cache_hit_tokens: cacheHitTokens,
      prompt_cache_miss_tokens: promptTokens - cacheHitTokens,
    },
  };
}

/** A 200 chat completion whose message content is `content`, as DeepSeek sends it. */
export function chatCompletion(params: ChatCompletionParams): FakeDeepSeekStep {
  return { kind: "answer", status: 200, body: chatCompletionBody(params) };
}

/** A 200 chat completion whose content is `{"findings": findings}`. */
export function findingsCompletion(findings: unknown[]): FakeDeepSeekStep {
  return chatCompletion({ content: JSON.stringify({ findings }) });
}

/** An error answer with DeepSeek's error body. */
export function errorAnswer(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): FakeDeepSeekStep {
  return { kind: "answer", status, headers, body: { error: { message, type: "fake_error" } } };
}

/** The user message of a recorded chat completion request ("" when there is none). */
export function userMessageOf(request: FakeDeepSeekRequest): string {
  const body = request.body as { messages?: { role?: string; content?: string }[] } | undefined;
  return body?.messages?.find((message) => message.role === "user")?.content ?? "";
}

/** Whether a recorded request is one of the verification pass's (src/review/verify-findings.ts). */
export function isVerificationRequest(request: FakeDeepSeekRequest): boolean {
  const body = request.body as { messages?: { role?: string; content?: string }[] } | undefined;
  return body?.messages?.[0]?.content === VERIFY_SYSTEM_PROMPT;
}

/** A finding as a verification request shows it to the checker. */
export interface FindingToCheck {
  id: number;
  path: string;
  line: number;
  severity: string;
  title: string;
}

/** The findings a verification request asks about, read from its `<findings_to_check>` block (the last part). */
export function findingsToCheck(request: FakeDeepSeekRequest): FindingToCheck[] {
  const user = userMessageOf(request);
  const open = "<findings_to_check>\n";
  const start = user.lastIndexOf(open);
  const end = user.lastIndexOf("\n</findings_to_check>");
  if (start < 0 || end < start) throw new Error("not a verification request: no <findings_to_check> block");
  return JSON.parse(user.slice(start + open.length, end)) as FindingToCheck[];
}

/**
 * The checker's answer to a verification request: `verdict` (a verdict, or one per finding; default "confirmed")
 * for every finding it asks about, with `usage` (defaults as `chatCompletion`'s).
 */
export function verdictsCompletion(
  request: FakeDeepSeekRequest,
  verdict: Verdict | ((finding: FindingToCheck) => Verdict) = "confirmed",
  usage: Omit<ChatCompletionParams, "content"> = {},
): FakeDeepSeekStep {
  const verdicts = findingsToCheck(request).map((finding) => ({
    id: finding.id,
    verdict: typeof verdict === "function" ? verdict(finding) : verdict,
    reason: "The stand-in checker's verdict.",
  }));
  return chatCompletion({ ...usage, content: JSON.stringify({ verdicts }) });
}
