/** A `/review` command: a full review, one by the Pro model, or help. */
export type ReviewCommand =
  | { kind: "review" }
  | { kind: "pro" }
  | { kind: "help" }
  | { kind: "unknown"; argument: string };

/** Reads the command from a comment whose first line is `/review` (with an optional argument); else undefined. */
export function parseReviewCommand(body: string): ReviewCommand | undefined {
  const firstLine =
    body
      .replace(/^\uFEFF/, "")
      .split(/\r?\n/, 1)[0]
      ?.trim() ?? "";
  const match = /^\/review(?:\s+(\S.*))?$/i.exec(firstLine);
  if (!match) return undefined;
  const argument = (match[1] ?? "").trim().toLowerCase();
  if (argument === "") return { kind: "review" };
  if (argument === "pro") return { kind: "pro" };
  if (argument === "help") return { kind: "help" };
  return { kind: "unknown", argument: argument.slice(0, 40) };
}
