/**
 * Lays `overlay` over `base`: mappings merge key by key (recursively), anything else in `overlay` — a list, a
 * scalar, an empty list — replaces what `base` has. So a repository that sets `paths.exclude: []` gets no
 * excludes, whatever the file it extends says (Probot's own merge concatenates lists).
 */
export function mergeConfig(base: unknown, overlay: unknown): unknown {
  if (!isMapping(base) || !isMapping(overlay)) return overlay === undefined ? base : overlay;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    // Defined, not assigned: a key named `__proto__` stays a key (and an unknown one the schema reports).
    Object.defineProperty(merged, key, {
      value: Object.hasOwn(base, key) ? mergeConfig(base[key], value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Where `_extends` points: `repo`, `owner/repo`, or either with `:path/to/file.yml`. */
export interface ExtendsTarget {
  owner: string;
  repo: string;
  path: string;
}

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const PATH = /^[A-Za-z0-9_./-]{1,200}\.ya?ml$/;

/** Reads an `_extends` value; undefined when it is not one of the accepted shapes. */
export function parseExtends(
  value: unknown,
  defaults: { owner: string; path: string },
): ExtendsTarget | undefined {
  if (typeof value !== "string" || value.length > 300) return undefined;
  const colon = value.indexOf(":");
  const target = colon === -1 ? value : value.slice(0, colon);
  const path = colon === -1 ? defaults.path : value.slice(colon + 1);
  const slash = target.indexOf("/");
  const owner = slash === -1 ? defaults.owner : target.slice(0, slash);
  const repo = slash === -1 ? target : target.slice(slash + 1);
  if (!OWNER.test(owner) || !NAME.test(repo) || !PATH.test(path) || path.includes("..")) return undefined;
  return { owner, repo, path };
}
