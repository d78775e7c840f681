import { z } from "zod";
import { hasMaskedSecret } from "./mask-secrets.js";
import { truncateText } from "./sanitize-markdown.js";
import { CATEGORIES, type Category, type Finding, SEVERITIES } from "./types.js";

export const MAX_TITLE_CHARS = 200;
export const MAX_BODY_CHARS = 4_000;
/** A longer suggestion is left out (the finding is kept): cutting code would suggest broken code. */
export const MAX_SUGGESTION_CHARS = 4_000;
const MAX_REASON_CHARS = 300;
const MAX_CATEGORY_CHARS = 64;

/** A positive integer, also when the model sends it as a numeric string (`"42"`). */
const lineNumberSchema = z.preprocess(
  (value) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
  z.number().int().positive(),
);

const severitySchema = z.preprocess(
  (value) => (typeof value === "string" ? value.trim().toLowerCase() : value),
  z.enum(SEVERITIES),
);

/** A category in any case and spacing (`Null Safety`, `null_safety`); anything else is no category, not an error. */
const categorySchema = z
  .unknown()
  .optional()
  .transform((value): Category | undefined => {
    if (typeof value !== "string" || value.length > MAX_CATEGORY_CHARS) return undefined;
    const name = value
      .trim()
      .toLowerCase()
      .replace(/[\s_]+/g, "-");
    return CATEGORIES.find((category) => category === name);
  });

/** One finding as the model writes it: snake_case, new-file line numbers. */
export const rawFindingSchema = z.object({
  path: z.string().trim().min(1),
  line: lineNumberSchema,
  start_line: lineNumberSchema.nullish(),
  severity: severitySchema,
  category: categorySchema,
  title: z
    .string()
    .trim()
    .min(1)
    .transform((title) => truncateText(title, MAX_TITLE_CHARS)),
  body: z
    .string()
    .trim()
    .transform((body) => truncateText(body, MAX_BODY_CHARS)),
  suggestion: z.string().nullish(),
});
export type RawFinding = z.infer<typeof rawFindingSchema>;

/** The answer the prompt asks for. Its items are checked one by one with `rawFindingSchema`. */
export const findingsAnswerSchema = z.object({ findings: z.array(z.unknown()) });
export type FindingsAnswer = z.infer<typeof findingsAnswerSchema>;

export interface DroppedFinding {
  index: number;
  reason: string;
}

export interface ParsedFindings {
  findings: Finding[];
  dropped: DroppedFinding[];
}

/**
 * Checks the model's parsed JSON answer. Throws when it is not `{"findings": [...]}` at all (the caller asks
 * again); otherwise keeps every valid finding and lists the malformed ones with a short reason that quotes no code.
 */
export function parseFindings(value: unknown): ParsedFindings {
  const answer = findingsAnswerSchema.safeParse(value);
  if (!answer.success) {
    throw new Error(`The model's answer is not {"findings": [...]}: ${summariseIssues(answer.error.issues)}`);
  }
  const findings: Finding[] = [];
  const dropped: DroppedFinding[] = [];
  answer.data.findings.forEach((item, index) => {
    const result = rawFindingSchema.safeParse(item);
    if (result.success) {
      findings.push(toFinding(result.data));
    } else {
      dropped.push({ index, reason: summariseIssues(result.error.issues) });
    }
  });
  return { findings, dropped };
}

function toFinding(raw: RawFinding): Finding {
  let line = raw.line;
  let startLine = raw.start_line ?? undefined;
  if (startLine !== undefined && startLine > line) {
    [startLine, line] = [line, startLine];
  }
  const finding: Finding = { path: raw.path, line, severity: raw.severity, title: raw.title, body: raw.body };
  if (startLine !== undefined && startLine !== line) finding.startLine = startLine;
  if (raw.category !== undefined) finding.category = raw.category;
  const suggestion = raw.suggestion ?? "";
  // A suggestion written over masked code would put the placeholder into the user's code.
  if (suggestion.trim() !== "" && suggestion.length <= MAX_SUGGESTION_CHARS && !hasMaskedSecret(suggestion)) {
    finding.suggestion = suggestion;
  }
  return finding;
}

function summariseIssues(issues: readonly z.core.$ZodIssue[]): string {
  const summary = issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message,
    )
    .join("; ");
  return truncateText(summary, MAX_REASON_CHARS);
}
