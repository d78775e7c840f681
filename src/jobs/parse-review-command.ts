import type { ReviewCommand } from "./job.js";

export type { ReviewCommand };

/** A first line longer than this is no command (and is not scanned). */
const MAX_COMMAND_CHARS = 200;

/**
 * Reads the command from a comment whose first line is `/review` with optional words: `pro`, `force` (either
 * order), `help`, `pause`, `resume`. Anything else after `/review` is an unknown command; a comment whose first line
 * is not `/review…` is no command (undefined).
 */
export function parseReviewCommand(body: string): ReviewCommand | undefined {
  const newline = body.search(/\r?\n/);
  const firstLine = (newline === -1 ? body : body.slice(0, newline)).replace(/^\uFEFF/, "").trim();
  if (firstLine.length > MAX_COMMAND_CHARS) return undefined;
  const words = firstLine.split(/\s+/);
  if (words[0]?.toLowerCase() !== "/review") return undefined;
  const args = words.slice(1).map((word) => word.toLowerCase());
  if (args.length === 0) return { kind: "review", model: "default", force: false };
  if (args.length === 1) {
    const [only] = args;
    if (only === "help" || only === "pause" || only === "resume") return { kind: only };
  }
  const known = new Set(["pro", "force"]);
  if (args.length <= 2 && args.every((word) => known.has(word)) && new Set(args).size === args.length) {
    return { kind: "review", model: args.includes("pro") ? "pro" : "default", force: args.includes("force") };
  }
  return { kind: "unknown", argument: args.join(" ").slice(0, 40) };
}
