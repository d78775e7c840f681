import { compileGlobs } from "./match-globs.js";
import { truncateText } from "./sanitize-markdown.js";

/** Most characters of path instructions one request carries, all matching entries together. */
export const MAX_PATH_INSTRUCTIONS_PER_REQUEST = 4_000;

/** One `path_instructions` entry of the repository's configuration. */
export interface PathInstruction {
  paths: string[];
  instructions: string;
}

/**
 * The instructions for a request about `paths`: those of every entry with a glob matching one of them, in the
 * configuration's order, cut to `MAX_PATH_INSTRUCTIONS_PER_REQUEST`; undefined when none matches. Globs are compiled
 * once, by the safe matcher (linear in the path).
 */
export function selectPathInstructions(
  entries: readonly PathInstruction[],
): (paths: readonly string[]) => string | undefined {
  const compiled = entries
    .map((entry) => ({ matches: compileGlobs(entry.paths), text: entry.instructions.trim() }))
    .filter((entry) => entry.text !== "");
  return (paths) => {
    const texts = compiled
      .filter((entry) => paths.some((path) => entry.matches(path)))
      .map((entry) => entry.text);
    if (texts.length === 0) return undefined;
    return truncateText(texts.join("\n\n"), MAX_PATH_INSTRUCTIONS_PER_REQUEST);
  };
}
