import type { FindingIdentity } from "../records/record-schema.js";
import { isSameFinding, NEAR_LINES } from "../review/finding-identity.js";

/** Categories a dismissal of another kind of finding never silences. */
const GUARDED = new Set<FindingIdentity["category"]>(["injection", "security"]);

/**
 * Whether `candidate` is a finding a person dismissed (`dismissed`), perhaps reworded: the same finding
 * (`isSameFinding`), or one on the same file and side, near it, on shared code, whatever category the model gave
 * it this time — a rewording often changes the category too. A security or injection finding is silenced only by
 * a dismissal of its own category. Bounded by MAX_CODE_HASHES² comparisons.
 */
export function isDismissedVariant(dismissed: FindingIdentity, candidate: FindingIdentity): boolean {
  if (isSameFinding(dismissed, candidate)) return true;
  if (dismissed.file !== candidate.file || dismissed.side !== candidate.side) return false;
  if (GUARDED.has(candidate.category) && candidate.category !== dismissed.category) return false;
  const gap = Math.max(0, dismissed.lines[0] - candidate.lines[1], candidate.lines[0] - dismissed.lines[1]);
  return gap <= NEAR_LINES && dismissed.code.some((hash) => candidate.code.includes(hash));
}
