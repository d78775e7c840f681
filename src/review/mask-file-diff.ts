import type { Hunk } from "../diff/types.js";
import type { MaskLines } from "./create-masker.js";
import { headingOf, type MaskedFileText } from "./format-diff.js";

/**
 * Masks every text of a file that is sent to the model: its path and previous path (file header and "renamed
 * from"), each hunk's section heading, and each hunk's lines (as one text, so a private key block is masked whole).
 * Runs once per file, on the planning worker.
 */
export async function maskFileDiff(
  diff: { path: string; previousPath?: string; hunks: Hunk[] },
  mask: MaskLines,
): Promise<MaskedFileText> {
  const singles = [diff.path, diff.previousPath ?? "", ...diff.hunks.map((hunk) => headingOf(hunk.header))];
  const [path = "", previousPath = "", ...headings] = await mask(singles, { independent: true });
  const lines: string[][] = [];
  for (const hunk of diff.hunks) {
    lines.push(
      await mask(
        hunk.lines.map((line) => line.content),
        { path: diff.path },
      ),
    );
  }
  return { path, ...(diff.previousPath === undefined ? {} : { previousPath }), headings, lines };
}
