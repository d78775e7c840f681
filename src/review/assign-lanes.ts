import { compileGlobs } from "./match-globs.js";

/** The files one model reviews. */
export interface Lane<File extends { path: string }> {
  model: string;
  files: File[];
}

/**
 * Splits the files between the pull request's model and the Pro model: files matching `proPaths` go to Pro
 * (their chunks hold nothing else), the rest to `model`. Lanes without files are left out.
 */
export function assignLanes<File extends { path: string }>(params: {
  files: readonly File[];
  model: string;
  proModel: string;
  proPaths: readonly string[];
}): Lane<File>[] {
  const { model, proModel } = params;
  if (model === proModel || params.proPaths.length === 0) {
    return params.files.length === 0 ? [] : [{ model, files: [...params.files] }];
  }
  const isPro = compileGlobs(params.proPaths);
  const lanes: Lane<File>[] = [
    { model, files: params.files.filter((file) => !isPro(file.path)) },
    { model: proModel, files: params.files.filter((file) => isPro(file.path)) },
  ];
  return lanes.filter((lane) => lane.files.length > 0);
}
