import { parsePatch } from "../diff/parse-patch.js";
import { codeLineHash } from "../review/finding-identity.js";
import type { PullRequestFile } from "../review/types.js";
import type { HeadCode } from "./decide-thread.js";

/**
 * The significant code the pull request's diff shows on its RIGHT side at the head, per file, as `codeLineHash`es:
 * what `decideThread` looks for the app's commented code in. A file the pull request no longer changes is
 * "absent" — unless the list may be cut short (`complete` false), when nothing can be told of it. A file without
 * a patch (binary, too large) or whose patch does not parse is "unknown". Linear in the patches' size.
 */
export function headCodeOf(params: {
  files: readonly PullRequestFile[];
  complete: boolean;
}): (path: string) => HeadCode {
  const byPath = new Map(params.files.map((file) => [file.path, file]));
  const cache = new Map<string, HeadCode>();
  return (path) => {
    const cached = cache.get(path);
    if (cached !== undefined) return cached;
    const file = byPath.get(path);
    const code = file === undefined ? (params.complete ? "absent" : "unknown") : rightSideCode(file);
    cache.set(path, code);
    return code;
  };
}

function rightSideCode(file: PullRequestFile): HeadCode {
  if (file.patch === undefined) return "unknown";
  if (file.status === "removed") return "absent";
  let diff: ReturnType<typeof parsePatch>;
  try {
    diff = parsePatch({ path: file.path, patch: file.patch });
  } catch {
    return "unknown";
  }
  const hashes = new Set<string>();
  for (const hunk of diff.hunks) {
    for (const line of hunk.lines) {
      if (line.newLine === undefined) continue;
      const hash = codeLineHash(line.content);
      if (hash !== undefined) hashes.add(hash);
    }
  }
  return hashes;
}
