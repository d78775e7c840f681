import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { PrivateKeyError, parsePrivateKey, readPrivateKey } from "../../../src/start/read-private-key.js";
import { testPrivateKey } from "../../helpers/create-test-probot.js";

const pem = testPrivateKey();
const pkcs8 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs8",
  format: "pem",
}) as string;
const dir = mkdtempSync(join(tmpdir(), "private-key-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(PrivateKeyError);
    return (error as Error).message;
  }
  throw new Error("the key was accepted");
}

describe("parsePrivateKey", () => {
  it.each([
    ["the PEM as GitHub gives it", pem],
    ["with literal \\n instead of line breaks (Probot's .env line)", pem.replaceAll("\n", "\\n")],
    [
      "in double quotes with literal \\n (docker run --env-file keeps them)",
      `"${pem.replaceAll("\n", "\\n")}"`,
    ],
    ["in single quotes", `'${pem}'`],
    ["base64-encoded", Buffer.from(pem).toString("base64")],
    [
      "base64-encoded, wrapped at 76 characters",
      Buffer.from(pem)
        .toString("base64")
        .replace(/(.{76})/g, "$1\n"),
    ],
    ["on one line with spaces for line breaks", pem.replaceAll("\n", " ")],
    ["with Windows line breaks", pem.replaceAll("\n", "\r\n")],
    ["with blank space around it", `\n  ${pem}  \n`],
  ])("accepts a key %s, as a PKCS#1 PEM", (_form, value) => {
    expect(parsePrivateKey(value, "PRIVATE_KEY")).toBe(pem);
  });

  it("turns a PKCS#8 RSA key into PKCS#1", () => {
    expect(parsePrivateKey(pkcs8, "PRIVATE_KEY")).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
  });

  it.each([
    ["text that is no key", "not-a-key", "PRIVATE_KEY is not a private key"],
    [
      "a PEM whose body is broken",
      pem.replace(/\n[A-Za-z0-9+/]{10}/, "\n!!!!!!!!!!"),
      "PRIVATE_KEY is not a readable",
    ],
    ["base64 of something else", Buffer.from("hello").toString("base64"), "PRIVATE_KEY is not a private key"],
    ["a quote that does not close", `"${pem}`, "does not enclose the whole key"],
    ["quotes inside the quotes", `"${pem}"x"`, "does not enclose the whole key"],
    [
      "a public key",
      generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({
        type: "spki",
        format: "pem",
      }) as string,
      "PRIVATE_KEY is not a readable",
    ],
    [
      "an EC key",
      generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
        type: "pkcs8",
        format: "pem",
      }) as string,
      "PRIVATE_KEY is an ec key; GitHub App keys are RSA",
    ],
  ])("refuses %s, naming the variable", (_case, value, message) => {
    expect(problemOf(() => parsePrivateKey(value, "PRIVATE_KEY"))).toContain(message);
  });

  it("never puts key material in its message", () => {
    const broken = pem.replace("-----END", "x-----END");
    const message = problemOf(() => parsePrivateKey(broken, "PRIVATE_KEY"));
    for (const line of pem.split("\n").slice(1, -2)) expect(message).not.toContain(line.slice(0, 16));
  });

  it("answers a hostile 5 MB value with the same error, at once", () => {
    const started = performance.now();
    expect(problemOf(() => parsePrivateKey(`-----BEGIN ${"A".repeat(5_000_000)}`, "PRIVATE_KEY"))).toContain(
      "PRIVATE_KEY is not a readable private key",
    );
    expect(problemOf(() => parsePrivateKey(" ".repeat(5_000_000), "PRIVATE_KEY"))).toContain(
      "is not a private key",
    );
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("reads the same key back whatever line breaks, quotes and encoding a copy gave it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("\n", "\\n", " ", "\r\n", "\n\n"),
        fc.constantFrom("", '"', "'"),
        fc.boolean(),
        (lineBreak, quote, base64) => {
          const text = pem.trimEnd().replaceAll("\n", lineBreak);
          const value = base64 ? Buffer.from(text).toString("base64") : text;
          expect(parsePrivateKey(`${quote}${value}${quote}`, "PRIVATE_KEY")).toBe(pem);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("throws nothing but a PrivateKeyError on any text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          parsePrivateKey(`-----BEGIN RSA PRIVATE KEY-----${text}`, "PRIVATE_KEY");
        } catch (error) {
          expect(error).toBeInstanceOf(PrivateKeyError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("readPrivateKey", () => {
  it("has no key when neither variable is set (or both are blank)", () => {
    expect(readPrivateKey({}, dir)).toBeUndefined();
    expect(readPrivateKey({ PRIVATE_KEY: " ", PRIVATE_KEY_PATH: "" }, dir)).toBeUndefined();
  });

  it("reads PRIVATE_KEY_PATH relative to the working directory", () => {
    writeFileSync(join(dir, "app.pem"), pem);
    expect(readPrivateKey({ PRIVATE_KEY_PATH: "app.pem" }, dir)).toBe(pem);
  });

  it.each([
    [
      "a file that does not exist",
      { PRIVATE_KEY_PATH: "missing.pem" },
      `PRIVATE_KEY_PATH is ${join(dir, "missing.pem")}, which does not exist`,
    ],
    ["a directory", { PRIVATE_KEY_PATH: "." }, `PRIVATE_KEY_PATH is ${dir}, which is a directory`],
    [
      "both variables",
      { PRIVATE_KEY: pem, PRIVATE_KEY_PATH: "app.pem" },
      "PRIVATE_KEY and PRIVATE_KEY_PATH are both set: keep only one of them",
    ],
  ])("refuses %s", (_case, env, message) => {
    expect(problemOf(() => readPrivateKey(env, dir))).toBe(message);
  });

  it("names the file when it does not hold a key", () => {
    writeFileSync(join(dir, "notes.pem"), "not a key");
    expect(problemOf(() => readPrivateKey({ PRIVATE_KEY_PATH: "notes.pem" }, dir))).toContain(
      "PRIVATE_KEY_PATH (notes.pem) is not a private key",
    );
  });
});
