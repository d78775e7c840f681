import { compileGlobAutomaton, type Item } from "./compile-glob-automaton.js";

/**
 * Globs over file paths, matched in time linear in the path for a glob of bounded length: a glob is compiled to a
 * small automaton (Thompson's construction) and run over the path one character at a time, keeping the set of states
 * it can be in, so there is no backtracking whatever the glob and the path (picomatch compiles a glob to a regular
 * expression that backtracks: `*a*a*a*a*a*a*b` against a 120-character path took 49.2 s). Work is at most
 * O(path length × glob length) per glob.
 *
 * The syntax is the common part of picomatch's, matched against the whole path with `dot: true`:
 * - `*` any run of characters other than `/`, `?` one such character;
 * - `**` as a whole path segment: any number of segments (`a/**` also matches `a`, `**\/x` also matches `x`); `**`
 *   elsewhere is `*`;
 * - `[abc]`, `[a-z]`, negated `[!a]` or `[^a]` (a negated class never matches `/`);
 * - `{a,b}` alternatives, nested up to 10 deep (`{a}` without a comma is literal, as is a brace without its match);
 * - `\x` the character `x`; a leading `./` is dropped; a leading `!` matches the paths the rest does not match.
 * Extglobs (`@(a|b)`, `+(a)`), numeric ranges (`{1..3}`) and POSIX classes (`[[:alpha:]]`) are not supported: their
 * characters are literal.
 */

/** Most globs in one list of the repository configuration (`paths.include`, `paths.exclude`, `escalate.paths`). */
export const MAX_GLOBS = 50;
/** Longest glob of the repository configuration, in characters. */
export const MAX_GLOB_CHARS = 200;

export interface GlobOptions {
  /** Match regardless of case (`.ENV`, `Secrets/`). */
  nocase?: boolean;
}

export type PathMatcher = (path: string) => boolean;

/** A matcher that is true when any of `globs` matches a path (an empty list matches nothing). */
export function compileGlobs(globs: readonly string[], options: GlobOptions = {}): PathMatcher {
  const matchers = globs.map((glob) => compileGlob(glob, options));
  return (path) => matchers.some((matches) => matches(path));
}

/** A matcher for one glob. */
export function compileGlob(glob: string, options: GlobOptions = {}): PathMatcher {
  const nocase = options.nocase ?? false;
  let negated = false;
  let source = glob;
  while (source.startsWith("!")) {
    negated = !negated;
    source = source.slice(1);
  }
  while (source.startsWith("./")) source = source.slice(2);
  const matches = compileGlobAutomaton(parseGlob(nocase ? source.toLowerCase() : source));
  return (path) => matches(nocase ? path.toLowerCase() : path) !== negated;
}

// ---- Parsing: a glob becomes a list of items (see compile-glob-automaton.ts), `{…}` a list of alternatives. ----

const SLASH = 47;

/** Groups nested deeper than this are literal text: parsing and matching recurse once per level. */
const MAX_BRACE_DEPTH = 10;

interface Braces {
  /** For each `{` that opens a group with a comma at its level: the index of its `}`. */
  close: Map<number, number>;
  /** The commas at the top level of each group. */
  commas: Set<number>;
}

/** Where a class that opens at `start` (`[`) ends (its `]`), or -1 when it does not close. */
function classEnd(glob: string, start: number): number {
  let at = start + 1;
  if (glob[at] === "!" || glob[at] === "^") at++;
  if (glob[at] === "]") at++;
  for (; at < glob.length; at++) {
    if (glob[at] === "\\") at++;
    else if (glob[at] === "]") return at;
  }
  return -1;
}

/** Matches every `{` with its `}` in one pass, skipping escapes and classes. */
function findBraces(glob: string): Braces {
  const close = new Map<number, number>();
  const commas = new Set<number>();
  const stack: { open: number; commas: number[]; nested: boolean }[] = [];
  for (let at = 0; at < glob.length; at++) {
    const char = glob[at];
    if (char === "\\") at++;
    else if (char === "[") {
      const end = classEnd(glob, at);
      if (end !== -1) at = end;
    } else if (char === "{") stack.push({ open: at, commas: [], nested: stack.length >= MAX_BRACE_DEPTH });
    else if (char === "," && stack.length > 0) stack.at(-1)?.commas.push(at);
    else if (char === "}" && stack.length > 0) {
      const group = stack.pop();
      if (group !== undefined && group.commas.length > 0 && !group.nested) {
        close.set(group.open, at);
        for (const comma of group.commas) commas.add(comma);
      }
    }
  }
  return { close, commas };
}

function parseGlob(glob: string): Item[] {
  const braces = findBraces(glob);
  return resolveGlobstars(parseSequence({ glob, braces, start: 0, end: glob.length }), true, true);
}

/** The items of `glob[start, end)`, a whole glob or one alternative of a group. */
function parseSequence(params: { glob: string; braces: Braces; start: number; end: number }): Item[] {
  const { glob, braces, end } = params;
  const items: Item[] = [];
  let at = params.start;
  while (at < end) {
    const char = glob[at] as string;
    const groupEnd = braces.close.get(at);
    if (char === "\\" && at + 1 < end) {
      items.push({ type: "char", code: glob.charCodeAt(at + 1) });
      at += 2;
    } else if (char === "*") {
      let stars = 0;
      while (glob[at] === "*" && at < end) {
        stars++;
        at++;
      }
      items.push({ type: stars > 1 ? "doubleStar" : "star" });
    } else if (char === "?") {
      items.push({ type: "any" });
      at++;
    } else if (char === "[" && classEnd(glob, at) !== -1 && classEnd(glob, at) < end) {
      const close = classEnd(glob, at);
      items.push(parseClass(glob.slice(at + 1, close)));
      at = close + 1;
    } else if (groupEnd !== undefined && groupEnd < end) {
      items.push({ type: "alt", options: parseAlternatives({ glob, braces, start: at + 1, end: groupEnd }) });
      at = groupEnd + 1;
    } else {
      items.push({ type: "char", code: glob.charCodeAt(at) });
      at++;
    }
  }
  return items;
}

function parseAlternatives(params: { glob: string; braces: Braces; start: number; end: number }): Item[][] {
  const { glob, braces, end } = params;
  const options: Item[][] = [];
  let from = params.start;
  const depth = 0;
  for (let at = from; at <= end; at++) {
    if (at === end || (depth === 0 && braces.commas.has(at))) {
      options.push(parseSequence({ glob, braces, start: from, end: at }));
      from = at + 1;
    } else if (glob[at] === "\\") at++;
    else if (braces.close.has(at)) {
      // Skip a nested group whole: its commas are its own.
      at = braces.close.get(at) as number;
    }
  }
  return options;
}

/** `[…]` without its brackets: single characters and `a-z` ranges, negated by a leading `!` or `^`. */
function parseClass(body: string): Item {
  const negated = body.startsWith("!") || body.startsWith("^");
  const chars: { code: number; escaped: boolean }[] = [];
  for (let at = negated ? 1 : 0; at < body.length; at++) {
    const escaped = body[at] === "\\" && at + 1 < body.length;
    if (escaped) at++;
    chars.push({ code: body.charCodeAt(at), escaped });
  }
  const ranges: number[] = [];
  for (let index = 0; index < chars.length; index++) {
    const low = (chars[index] as { code: number }).code;
    const dash = chars[index + 1];
    const high = chars[index + 2];
    if (dash !== undefined && dash.code === 45 && !dash.escaped && high !== undefined) {
      ranges.push(low, high.code);
      index += 2;
    } else ranges.push(low, low);
  }
  return { type: "class", ranges, negated };
}

/**
 * A `**` that is a whole path segment becomes a globstar form, taking in the slash next to it; any other `**` is a
 * `*`. `atStart`/`atEnd`: whether the sequence begins/ends at a segment boundary (for the alternatives of a group,
 * whether the group does).
 */
function resolveGlobstars(items: Item[], atStart: boolean, atEnd: boolean): Item[] {
  const resolved: Item[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as Item;
    if (item.type === "alt") {
      const before = index === 0 ? atStart : isSlash(items[index - 1]);
      const after = index === items.length - 1 ? atEnd : isSlash(items[index + 1]);
      resolved.push({
        type: "alt",
        options: item.options.map((option) => resolveGlobstars(option, before, after)),
      });
      continue;
    }
    if (item.type !== "doubleStar") {
      resolved.push(item);
      continue;
    }
    const before = index === 0 ? atStart : isSlash(items[index - 1]);
    const next = items[index + 1];
    const after = index === items.length - 1 ? atEnd : isSlash(next);
    const last = resolved.at(-1);
    // `**/**` is one globstar: the first's `**/` adds nothing to the second.
    if (before && after && last?.type === "globstar" && last.form === "segments") resolved.pop();
    if (!before || !after) resolved.push({ type: "star" });
    else if (isSlash(next)) {
      resolved.push({ type: "globstar", form: "segments" });
      index++;
    } else if (isSlash(resolved.at(-1))) {
      resolved.pop();
      resolved.push({ type: "globstar", form: "rest" });
    } else resolved.push({ type: "globstar", form: "everything" });
  }
  return resolved;
}

function isSlash(item: Item | undefined): boolean {
  return item?.type === "char" && item.code === SLASH;
}
