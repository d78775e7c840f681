import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyLineBase64 } from "../../../src/review/find-private-key-lines.js";
import {
  applySecretRanges,
  hasMaskedSecret,
  MASKED_SECRET_PATTERN,
  MAX_SCANNED_LINE_CHARS,
  maskedSecret,
  maskSecretLines,
  maskSecrets,
  tooLongToScan,
} from "../../../src/review/mask-secrets.js";

/**
 * Fake secrets are assembled at run time so that no scanner (GitHub push protection, say) takes this file for
 * one holding real credentials.
 */
function fake(prefix: string, length: number, alphabet = "a1B2c3D4e5F6g7H8i9J0k"): string {
  return prefix + alphabet.repeat(Math.ceil(length / alphabet.length)).slice(0, length);
}

const UPPER = "A1B2C3D4E5F6G7H8I9J0K";
const HEX = "0a1b2c3d4e5f6789";

const GITHUB = maskedSecret("GitHub token");
const API_KEY = maskedSecret("API key");
const ASSIGNED = maskedSecret("assigned secret");
const PRIVATE_KEY = maskedSecret("private key");

const jwt = `${fake("eyJ", 20)}.${fake("eyJ", 40)}.${fake("", 43)}`;
const pemLine = fake("MIIE", 60);
const begin = ["-----BEGIN", "RSA PRIVATE", "KEY-----"].join(" ");
const end = ["-----END", "RSA PRIVATE", "KEY-----"].join(" ");

describe("maskSecrets", () => {
  it.each<[string, string, string]>([
    ["a classic GitHub token", `const token = "${fake("ghp_", 36)}";`, `const token = "${GITHUB}";`],
    ["a GitHub OAuth token", `auth ${fake("gho_", 36)} end`, `auth ${GITHUB} end`],
    ["a GitHub user-to-server token", fake("ghu_", 36), GITHUB],
    ["a GitHub server-to-server token", `x=${fake("ghs_", 36)}`, `x=${GITHUB}`],
    ["a GitHub refresh token", `[${fake("ghr_", 40)}]`, `[${GITHUB}]`],
    ["a fine-grained GitHub token", `pat: ${fake("github_pat_", 82)}`, `pat: ${GITHUB}`],
    [
      "a DeepSeek key",
      `new OpenAI({ apiKey: "${fake("sk-", 32, HEX)}" })`,
      `new OpenAI({ apiKey: "${API_KEY}" })`,
    ],
    ["an OpenAI project key", `key=${fake("sk-proj-", 48)}`, `key=${API_KEY}`],
    [
      "an AWS access key id",
      `aws_id = ${fake("AKIA", 16, UPPER)}`,
      `aws_id = ${maskedSecret("AWS access key id")}`,
    ],
    ["an AWS temporary key id", fake("ASIA", 16, UPPER), maskedSecret("AWS access key id")],
    ["a Slack bot token", `"${fake("xoxb-", 30)}"`, `"${maskedSecret("Slack token")}"`],
    ["a Slack user token", fake("xoxp-", 24), maskedSecret("Slack token")],
    ["a Google API key", `?key=${fake("AIza", 35)}&q=1`, `?key=${maskedSecret("Google API key")}&q=1`],
    ["a Stripe live key", `stripe(${fake("sk_live_", 24)})`, `stripe(${maskedSecret("Stripe key")})`],
    ["a Stripe restricted key", fake("rk_live_", 24), maskedSecret("Stripe key")],
    [
      "an npm token",
      `//registry.npmjs.org/:_authToken=${fake("npm_", 36)}`,
      `//registry.npmjs.org/:_authToken=${maskedSecret("npm token")}`,
    ],
    ["a JWT", `const session = "${jwt}";`, `const session = "${maskedSecret("JWT")}";`],
    [
      "a bearer token",
      `headers: { Authorization: "Bearer ${fake("", 32)}" }`,
      `headers: { Authorization: "Bearer ${maskedSecret("bearer token")}" }`,
    ],
    [
      "a password in a connection URL, keeping the user and host",
      "postgres://app:S3cretPw42@db.internal:5432/app",
      `postgres://app:${maskedSecret("password in URL")}@db.internal:5432/app`,
    ],
    ["a quoted password", 'password = "hunter2hunter2"', `password = "${ASSIGNED}"`],
    ["a JSON api_key", '{ "api_key": "abc123def456" }', `{ "api_key": "${ASSIGNED}" }`],
    ["a camel-case secret name", "const dbPassword = 'Tr0ub4dor&3';", `const dbPassword = '${ASSIGNED}';`],
    ["a Go constant", 'ClientSecret := "c1i3nt-s3cr3t"', `ClientSecret := "${ASSIGNED}"`],
    ["a template literal", "authToken: `tok3n-v4lue-x`,", `authToken: \`${ASSIGNED}\`,`],
    ["a .env line", "DB_PASSWORD=s3cretPass99", `DB_PASSWORD=${ASSIGNED}`],
    ["an exported .env line", "export GITHUB_TOKEN=abc123def456ghi", `export GITHUB_TOKEN=${ASSIGNED}`],
    ["a YAML value", "  password: Tr0ub4dor3  # rotate yearly", `  password: ${ASSIGNED}  # rotate yearly`],
    [
      "a one-line private key in a JSON string",
      `"private_key": "${begin}\\n${pemLine}\\n${end}\\n",`,
      `"private_key": "${begin}${PRIVATE_KEY}${end}\\n",`,
    ],
    [
      "an INI value with spaces",
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCY1234",
      `aws_secret_access_key = ${ASSIGNED}`,
    ],
    ["a spaced password that cannot be a name", "db_password = s3cret-Pass99!", `db_password = ${ASSIGNED}`],
    ["a spaced value that cannot be a name", "  db.password = 9f8e7d6c5b4a", `  db.password = ${ASSIGNED}`],
    [
      "two secrets on one line",
      `a=${fake("ghp_", 36)} b=${fake("npm_", 36)}`,
      `a=${GITHUB} b=${maskedSecret("npm token")}`,
    ],
  ])("masks %s", (_, line, expected) => {
    expect(maskSecrets(line)).toBe(expected);
  });

  it.each<[string, string]>([
    ["an identifier that starts like a key", 'const tokenizer = "cl100k_base";'],
    ["a sentence assigned to a password", 'password: "Enter your password"'],
    ["a name that only contains a secret word", 'passwordHint = "abc12345678"'],
    ["a value read from the environment", "const password = process.env.DB_PASSWORD;"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code under test, not a template.
    ["a placeholder", 'password: "${DB_PASSWORD_2}"'],
    ["a template placeholder", "token: '{{ secrets.TOKEN_2 }}'"],
    ["a letters-only password (the accepted miss)", "DB_PASSWORD=changeme"],
    ["a call assigned to a key", "api_key = get_key_2(config)"],
    ["a name assigned to a secret in code", "    secret = config.secret2"],
    ["a constant assigned to a key in code", "api_key = API_KEY_V2"],
    ["a count of tokens", "max_tokens: 4096"],
    ["an error code", 'token: "TOKEN_EXPIRED"'],
    ["sk- inside a word", "const name = 'task-runner-for-builds-2024';"],
    ["an sk- word without digits", 'const pkg = "sk-learn-pipeline-config";'],
    ["a GitHub prefix that is too short", "const ghp_short = 1;"],
    ["an AWS prefix that is too short", "AKIA1234"],
    ["a readable URL password", "postgres://postgres:postgres@localhost:5432/test"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code under test, not a template.
    ["a URL password from the environment", "redis://:${REDIS_PASSWORD}@cache:6379"],
    ["a bearer header built in code", 'headers.authorization = "Bearer " + token;'],
    ["a lockfile integrity hash", `"integrity": "sha512-${fake("", 40)}=="`],
    ["a public key marker", ["-----BEGIN", "PUBLIC KEY-----"].join(" ")],
    ["one base64 segment starting eyJ", fake("eyJ", 30)],
    ["a Google prefix that is too short", "AIzaShort"],
    ["ordinary code", "for (let i = 0; i < tokens.length; i++) total += tokens[i].cost;"],
  ])("leaves %s alone", (_, line) => {
    expect(maskSecrets(line)).toBe(line);
  });

  it("masks the lines of a text one by one and keeps the number of lines", () => {
    const text = ["const a = 1;", `const t = "${fake("ghp_", 36)}";`, "", "const b = 2;"].join("\n");
    expect(maskSecrets(text)).toBe(["const a = 1;", `const t = "${GITHUB}";`, "", "const b = 2;"].join("\n"));
  });

  it("leaves masked text as it is when masked again", () => {
    const once = maskSecrets(
      `password = "${fake("ghp_", 36)}"; DB_PASSWORD=s3cretPass99 sk=${fake("sk-", 32, HEX)} ${jwt}`,
    );
    expect(maskSecrets(once)).toBe(once);
    expect(maskSecrets(`password: ${ASSIGNED}`)).toBe(`password: ${ASSIGNED}`);
  });
});

describe("maskSecretLines", () => {
  it("keeps the markers of a PEM block, masks its key lines and leaves the code around it", () => {
    expect(
      maskSecretLines(["const key = `", begin, pemLine, pemLine, "Aw==", end, "`;", "sign(key);"]),
    ).toEqual(["const key = `", begin, PRIVATE_KEY, PRIVATE_KEY, PRIVATE_KEY, end, "`;", "sign(key);"]);
  });

  it("keeps the indentation of a key in a YAML block", () => {
    expect(maskSecretLines(["tls:", "  key: |", `    ${begin}`, `    ${pemLine}`, `    ${end}`])).toEqual([
      "tls:",
      "  key: |",
      `    ${begin}`,
      `    ${PRIVATE_KEY}`,
      `    ${end}`,
    ]);
  });

  it("masks a key written as concatenated strings", () => {
    expect(maskSecretLines([`const key = "${begin}\\n" +`, `  "${pemLine}\\n" +`, `  "${end}\\n";`])).toEqual(
      [`const key = "${begin}\\n" +`, `  ${PRIVATE_KEY}`, `  "${end}\\n";`],
    );
  });

  it("masks an encrypted key's headers and keeps its blank line", () => {
    expect(
      maskSecretLines([begin, "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,0A1B2C", "", pemLine, end]),
    ).toEqual([begin, PRIVATE_KEY, PRIVATE_KEY, "", PRIVATE_KEY, end]);
  });

  it("masks to the last line a block that the lines cut before its END", () => {
    expect(maskSecretLines(["x = 1", begin, pemLine, pemLine])).toEqual([
      "x = 1",
      begin,
      PRIVATE_KEY,
      PRIVATE_KEY,
    ]);
  });

  it("masks the key lines before an END whose BEGIN the lines cut off", () => {
    expect(maskSecretLines(["}", pemLine, pemLine, "Aw==", end, "next();"])).toEqual([
      "}",
      PRIVATE_KEY,
      PRIVATE_KEY,
      PRIVATE_KEY,
      end,
      "next();",
    ]);
  });

  it("leaves code that only names the markers as it is", () => {
    const lines = [
      `const HEADER = "${begin}";`,
      "export function isPrivateKey(pem: string): boolean {",
      "  return pem.startsWith(HEADER);",
      "}",
      `const FOOTER = "${end}";`,
    ];
    expect(maskSecretLines(lines)).toEqual(lines);
  });

  it("masks the end of a key written with escapes over two lines", () => {
    expect(maskSecretLines([`key = "${begin}\\n${pemLine}\\n" +`, `  "${pemLine}\\n${end}";`])).toEqual([
      `key = "${begin}${PRIVATE_KEY}`,
      `${PRIVATE_KEY}${end}";`,
    ]);
  });

  it("leaves long names next to the markers as they are", () => {
    const lines = [
      `const privateKeyHeaderText = "${begin}"; // privateKeyHeaderTextComment`,
      `const privateKeyFooterText = "${end}";`,
    ];
    expect(maskSecretLines(lines)).toEqual(lines);
  });

  it("ends a block at a line of code made of long words", () => {
    const lines = [`const HEADER = "${begin}";`, "  return privateKeyFooterText", "}"];
    expect(maskSecretLines(lines)).toEqual(lines);
  });

  it("masks tokens outside key blocks and returns as many lines as it is given", () => {
    const lines = [fake("ghp_", 36), begin, pemLine, end, `npm=${fake("npm_", 36)}`];
    const masked = maskSecretLines(lines);
    expect(masked).toEqual([GITHUB, begin, PRIVATE_KEY, end, `npm=${maskedSecret("npm token")}`]);
  });
});

describe("hasMaskedSecret", () => {
  it.each<[string, boolean]>([
    [`const token = "${GITHUB}";`, true],
    [`  ${PRIVATE_KEY}`, true],
    ["const token = readToken();", false],
    ["[masked secret]", false],
  ])("says whether %j holds a mask", (text, expected) => {
    expect(hasMaskedSecret(text)).toBe(expected);
    expect(MASKED_SECRET_PATTERN.test(text)).toBe(expected);
  });
});

describe("masking in configuration files", () => {
  it.each<[string, string, string]>([
    [
      "an AWS credentials file",
      ".aws/credentials",
      "aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCY1234",
    ],
    ["an INI file", "config/app.ini", "db_password = hunter2abc"],
    ["a .properties file", "src/main/resources/app.properties", "spring.datasource.password = s3cretPass99"],
  ])("masks `name = value` whatever the value's shape in %s", (_, path, line) => {
    const [name] = line.split(" = ");
    expect(maskSecrets(line, { path })).toBe(`${name} = ${ASSIGNED}`);
  });

  it("leaves the same line in code alone when its value reads as a name", () => {
    expect(maskSecrets("db_password = hunter2abc", { path: "src/app.py" })).toBe("db_password = hunter2abc");
  });
});

describe("lines too long to scan", () => {
  it("masks a line over the limit whole, without scanning it", () => {
    const line = "x".repeat(MAX_SCANNED_LINE_CHARS + 1);
    expect(maskSecretLines(["a", line, "b"])).toEqual(["a", maskedSecret(tooLongToScan(line.length)), "b"]);
  });

  it("scans a line at the limit", () => {
    const line = `${"x ".repeat((MAX_SCANNED_LINE_CHARS - 50) / 2)}${fake("ghp_", 36)}`;
    expect(line.length).toBeLessThanOrEqual(MAX_SCANNED_LINE_CHARS);
    expect(maskSecrets(line)).toBe(`${"x ".repeat((MAX_SCANNED_LINE_CHARS - 50) / 2)}${GITHUB}`);
  });

  it("keeps masking a key block across a line too long to scan", () => {
    expect(maskSecretLines([begin, pemLine, "A".repeat(MAX_SCANNED_LINE_CHARS + 1), pemLine, end])).toEqual([
      begin,
      PRIVATE_KEY,
      maskedSecret(tooLongToScan(MAX_SCANNED_LINE_CHARS + 1)),
      PRIVATE_KEY,
      end,
    ]);
  });
});

/**
 * Lines that took the old patterns quadratic time (a 199 KB one: 86.7 s). Scanned here without the length limit, so
 * the patterns themselves are what is tested: each line takes milliseconds, and a quadratic pattern would run into
 * the test's timeout.
 */
describe("hostile lines, scanned in full", () => {
  const size = 200_000;
  const unlimited = { maxLineChars: Number.POSITIVE_INFINITY };
  it.each<[string, string[]]>([
    ["spaces before an END marker", [`${" ".repeat(size)}!${end}`]],
    ["quotes before an END marker", [`${"'".repeat(size)}!${end}`]],
    ["tabs in a key block", [begin, `${"\t".repeat(size)}#`]],
    ["many JWT starts", ["eyJ-".repeat(size / 4)]],
    ["many URL schemes", ["a-".repeat(size / 2)]],
    ["a long name before an assignment", [`${"password".repeat(size / 8)} = 'x'`]],
    ["spaces after a secret name", [`token${" ".repeat(size)}x`]],
  ])("masks %s in linear time and keeps the line count", (_, lines) => {
    const masked = maskSecretLines(lines, unlimited);
    expect(masked).toHaveLength(lines.length);
  });

  it("still finds a JWT after many false starts", () => {
    const line = `${"eyJ-".repeat(10_000)} ${jwt}`;
    expect(maskSecretLines([line], unlimited)).toEqual([`${"eyJ-".repeat(10_000)} ${maskedSecret("JWT")}`]);
  });
});

describe("keyLineBase64", () => {
  it.each<[string, string | undefined]>([
    [pemLine, pemLine],
    [`  "${pemLine}\\n" +`, pemLine],
    ["'+abc+'", "abc+"],
    ["", ""],
    ["  ;", ""],
    ["abc def", undefined],
    ["abc\\nx", undefined],
  ])("reads %j as %j", (line, expected) => {
    expect(keyLineBase64(line)).toBe(expected);
  });
});

describe("applySecretRanges", () => {
  it("merges overlapping ranges into one mask named after the first", () => {
    expect(
      applySecretRanges("0123456789", [
        { start: 2, end: 5, kind: "b" },
        { start: 1, end: 3, kind: "a" },
        { start: 8, end: 9, kind: "c" },
      ]),
    ).toBe(`0${maskedSecret("a")}567${maskedSecret("c")}9`);
  });
});

/** The shapes masked before secretlint was added, each of which must stay masked inside any text. */
const SHAPES: readonly string[] = [
  fake("ghp_", 36),
  fake("github_pat_", 82),
  fake("sk-", 32, HEX),
  fake("AKIA", 16, UPPER),
  fake("xoxb-", 30),
  fake("AIza", 35),
  fake("sk_live_", 24),
  fake("npm_", 36),
  jwt,
];

describe("properties", () => {
  const text = fc.string({
    unit: fc.constantFrom(
      "a",
      "Z",
      "0",
      " ",
      "\t",
      "'",
      '"',
      "-",
      ".",
      "=",
      ":",
      "/",
      "e",
      "y",
      "J",
      "+",
      "!",
      "#",
      "é",
    ),
    maxLength: 60,
  });
  const lines = fc.array(fc.oneof(text, fc.constantFrom(begin, end, pemLine, "")), { maxLength: 12 });

  it("never changes the number of lines", () => {
    fc.assert(
      fc.property(lines, (input) => {
        expect(maskSecretLines(input)).toHaveLength(input.length);
        if (input.length > 0) expect(maskSecrets(input.join("\n")).split("\n")).toHaveLength(input.length);
      }),
    );
  });

  it("masks every known shape wherever it sits between separators", () => {
    fc.assert(
      fc.property(
        text,
        fc.constantFrom(...SHAPES),
        text,
        fc.constantFrom(" ", '"', "'", "=", "(", ": "),
        (before, shape, after, separator) => {
          const masked = maskSecrets(`${before}${separator}${shape}${separator}${after}`);
          expect(masked).not.toContain(shape);
        },
      ),
    );
  });

  it("leaves masked text as it is when masked again", () => {
    fc.assert(
      fc.property(lines, (input) => {
        const once = maskSecretLines(input);
        expect(maskSecretLines(once)).toEqual(once);
      }),
    );
  });
});
