import { generateKeyPairSync } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { type ApplicationFunction, Probot } from "probot";
import { createOctokitClass } from "../../src/github/create-octokit-class.js";

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

let privateKey: string | undefined;

/** A throwaway RSA key made per test run: no key material is kept in the repository. */
export function testPrivateKey(): string {
  privateKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs1",
    format: "pem",
  }) as string;
  return privateKey;
}

/** Collects pino's JSON lines as objects. */
export function createCapturedLogger() {
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") records.push(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return { log: pino({ level: "debug" }, stream), records };
}

/** A Probot with GitHub's retry and throttling off and its logs captured, as Probot's template does. */
export function createTestProbot(appFn: ApplicationFunction) {
  const { log, records } = createCapturedLogger();
  const probot = new Probot({
    appId: 123,
    privateKey: testPrivateKey(),
    log,
    Octokit: createOctokitClass({ enabled: false }, { retry: { enabled: false } }),
  });
  probot.load(appFn);
  return { probot, records };
}
