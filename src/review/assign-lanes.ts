import type { FileDiff } from "../diff/types.js";
import { compileGlobs } from "./match-globs.js";

/** The files one model reviews. */
export interface Lane {
  model: string;
  diffs: FileDiff[];
}

/**
 * Splits the files between the pull request's model and the Pro model: files matching `proPaths` go to Pro
 * (their chunks hold nothing else), the rest to `model`. Lanes without files are left out.
 */
export function assignLanes(params: {
  diffs: readonly FileDiff[];
  model: string;
  proModel: string;
  proPaths: readonly string[];
}): Lane[] {
  const { model, proModel } = params;
  if (model === proModel || params.proPaths.length === 0) {
    return params.diffs.length === 0 ? [] : [{ model, diffs: [...params.diffs] }];
  }
  const isPro = compileGlobs(params.proPaths);
  const lanes: Lane[] = [
    { model, diffs: params.diffs.filter((diff) => !isPro(diff.path)) },
    { model: proModel, diffs: params.diffs.filter((diff) => isPro(diff.path)) },
  ];
  return lanes.filter((lane) => lane.diffs.length > 0);
}
