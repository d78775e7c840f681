/**
 * The automaton behind a glob (see match-globs.ts, which parses globs into items). Thompson's construction gives a
 * nondeterministic automaton with at most a few states per glob character; a path is read one character at a time
 * keeping the set of states the automaton may be in, so no input makes it backtrack: O(path × states) at worst.
 * The sets met are cached as the states of a deterministic automaton built as it is used (each set and each
 * transition is computed once), which makes matching the many paths of a pull request against the same glob
 * O(path) once warm. The cache is bounded; past it, matching goes on set by set.
 */

/** A parsed glob, in order. */
export type Item =
  | { type: "char"; code: number }
  | { type: "any" }
  | { type: "class"; ranges: number[]; negated: boolean }
  | { type: "star" }
  /** `**` as written; match-globs.ts resolves it into a `star` or a `globstar`. */
  | { type: "doubleStar" }
  | { type: "globstar"; form: GlobstarForm }
  | { type: "alt"; options: Item[][] };

/** The shapes of a globstar: `**\/` any whole segments each with its slash; `/**` at the end; `**` alone. */
export type GlobstarForm = "segments" | "rest" | "everything";

const SLASH = 47;

const READ_CHAR = 0;
const READ_ANY = 1;
const READ_ALL = 2;
const READ_CLASS = 3;
const BRANCH = 4;
const MATCH = 5;

interface State {
  kind: number;
  code?: number;
  ranges?: number[];
  negated?: boolean;
  /** The next states: one for a reading state, any number for a branch. */
  next: number[];
}

/** Most sets of states cached per glob: bounds the memory of a glob whose deterministic automaton would explode. */
const MAX_CACHED_SETS = 1_000;
const DEAD = -1;
const FULL = -2;
const UNKNOWN = -3;
const ASCII = 128;

/** A matcher for the items of one glob, matched against the whole path. */
export function compileGlobAutomaton(items: Item[]): (path: string) => boolean {
  const states: State[] = [];
  const add = (state: State) => states.push(state) - 1;
  const match = add({ kind: MATCH, next: [] });
  const start = compileSequence({ items, next: match, add, states });
  const sets = createSetCache(states);
  const first = sets.intern(sets.closure([start]));
  return (path) => {
    let current = first;
    for (let at = 0; at < path.length; at++) {
      if (current === DEAD) return false;
      const code = path.charCodeAt(at);
      let next = sets.transition(current, code);
      if (next === undefined) {
        const set = sets.step(sets.members(current), code);
        next = sets.intern(set);
        if (next === FULL) return sets.runUncached(set, path, at + 1);
        sets.remember(current, code, next);
      }
      current = next;
    }
    return current !== DEAD && sets.accepts(current);
  };
}

interface CompileParams {
  items: Item[];
  next: number;
  add: (state: State) => number;
  states: State[];
}

/** Compiles items backwards: each item's states lead to `next`, the start of what follows. */
function compileSequence(params: CompileParams): number {
  let following = params.next;
  for (let index = params.items.length - 1; index >= 0; index--) {
    following = compileItem(params.items[index] as Item, { ...params, next: following });
  }
  return following;
}

function compileItem(item: Item, params: Omit<CompileParams, "items">): number {
  const { next, add, states } = params;
  switch (item.type) {
    case "char":
      return add({ kind: READ_CHAR, code: item.code, next: [next] });
    case "any":
      return add({ kind: READ_ANY, next: [next] });
    case "class":
      return add({ kind: READ_CLASS, ranges: item.ranges, negated: item.negated, next: [next] });
    case "star":
    case "doubleStar":
      return loop(READ_ANY, params);
    case "alt":
      return add({
        kind: BRANCH,
        next: item.options.map((option) => compileSequence({ items: option, next, add, states })),
      });
    case "globstar":
      return compileGlobstar(item.form, params);
  }
}

/** `x*` for a reading kind: a branch that reads one more and comes back, or goes on. */
function loop(kind: number, params: Omit<CompileParams, "items">): number {
  const { next, add, states } = params;
  const branch = add({ kind: BRANCH, next: [] });
  const read = add({ kind, next: [branch] });
  (states[branch] as State).next.push(read, next);
  return branch;
}

function compileGlobstar(form: GlobstarForm, params: Omit<CompileParams, "items">): number {
  const { next, add, states } = params;
  if (form === "everything") return loop(READ_ALL, params);
  if (form === "rest") {
    // (/.*)? next
    const slash = add({ kind: READ_CHAR, code: SLASH, next: [loop(READ_ALL, params)] });
    return add({ kind: BRANCH, next: [slash, next] });
  }
  // ([^/]* /)* next
  const outer = add({ kind: BRANCH, next: [] });
  const slash = add({ kind: READ_CHAR, code: SLASH, next: [outer] });
  const segment = loop(READ_ANY, { ...params, next: slash });
  (states[outer] as State).next.push(segment, next);
  return outer;
}

function reads(state: State, code: number): boolean {
  switch (state.kind) {
    case READ_CHAR:
      return state.code === code;
    case READ_ANY:
      return code !== SLASH;
    case READ_ALL:
      return true;
    case READ_CLASS:
      return inClass(state, code);
    default:
      return false;
  }
}

function inClass(state: State, code: number): boolean {
  const ranges = state.ranges ?? [];
  let found = false;
  for (let index = 0; index < ranges.length && !found; index += 2) {
    found = code >= (ranges[index] as number) && code <= (ranges[index + 1] as number);
  }
  return state.negated === true ? !found && code !== SLASH : found;
}

/** Sets of reading (or matching) states, each a sorted list, interned as numbered states of the cached automaton. */
function createSetCache(states: State[]) {
  const seen = new Int32Array(states.length).fill(-1);
  let generation = 0;
  const byKey = new Map<string, number>();
  const lists: number[][] = [];
  const accepting: boolean[] = [];
  /** Per set: the next set for each ASCII character (UNKNOWN until computed), and a map for the others. */
  const ascii: Int32Array[] = [];
  const other: Map<number, number>[] = [];

  /** The reading and matching states reached from `from` without reading, each once. */
  const closure = (from: readonly number[]): number[] => {
    generation++;
    const found: number[] = [];
    const stack = [...from];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      if (seen[id] === generation) continue;
      seen[id] = generation;
      const state = states[id] as State;
      if (state.kind === BRANCH) for (const next of state.next) stack.push(next);
      else found.push(id);
    }
    return found;
  };
  const step = (set: readonly number[], code: number): number[] => {
    const next: number[] = [];
    for (const id of set) {
      const state = states[id] as State;
      if (reads(state, code)) next.push(state.next[0] as number);
    }
    return closure(next);
  };
  return {
    closure,
    step,
    members: (id: number) => lists[id] as number[],
    accepts: (id: number) => accepting[id] === true,
    transition(id: number, code: number): number | undefined {
      if (code >= ASCII) return other[id]?.get(code);
      const next = (ascii[id] as Int32Array)[code] as number;
      return next === UNKNOWN ? undefined : next;
    },
    remember(id: number, code: number, next: number): void {
      if (code >= ASCII) other[id]?.set(code, next);
      else (ascii[id] as Int32Array)[code] = next;
    },
    /** The number of a set (DEAD when empty), or FULL when the cache holds no more sets. */
    intern(set: number[]): number {
      if (set.length === 0) return DEAD;
      const key = set.sort((a, b) => a - b).join(",");
      const known = byKey.get(key);
      if (known !== undefined) return known;
      if (lists.length >= MAX_CACHED_SETS) return FULL;
      byKey.set(key, lists.length);
      accepting.push(set.some((id) => (states[id] as State).kind === MATCH));
      ascii.push(new Int32Array(ASCII).fill(UNKNOWN));
      other.push(new Map());
      return lists.push(set) - 1;
    },
    /** Reads the rest of the path set by set, caching nothing. */
    runUncached(set: number[], path: string, from: number): boolean {
      let current = set;
      for (let at = from; at < path.length && current.length > 0; at++)
        current = step(current, path.charCodeAt(at));
      return current.some((id) => (states[id] as State).kind === MATCH);
    },
  };
}
