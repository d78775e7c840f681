import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";
import { ENCLOSING_NODE_TYPES, type Grammar, grammarFor } from "./syntax-languages.js";

/** Files larger than this are not parsed (their context falls back to line windows). */
export const MAX_PARSE_BYTES = 512 * 1024;
/** How long one parse may run before it is cancelled. */
export const MAX_PARSE_MS = 1_000;
/** An enclosing function or class longer than this is not shown whole: a line window is shown instead. */
export const MAX_ENCLOSING_LINES = 200;

/** An inclusive range of 1-based line numbers. */
export interface LineRange {
  start: number;
  end: number;
}

/** What a parse says about one file, computed at once (the tree itself is freed). */
export interface SourceAnalysis {
  /** True when the tree has ERROR or MISSING nodes: the text does not parse as the language. */
  hasError: boolean;
  /** For each asked range, the smallest enclosing function or class (at most `MAX_ENCLOSING_LINES` long), if any. */
  enclosing: (LineRange | undefined)[];
}

export interface SyntaxParser {
  /**
   * Parses `text` as the language of `path` and answers for `ranges`. Undefined when the app has no grammar for
   * the path, the text is over `MAX_PARSE_BYTES`, or the parse ran past `MAX_PARSE_MS`.
   */
  analyse(params: {
    path: string;
    text: string;
    ranges?: readonly LineRange[];
  }): Promise<SourceAnalysis | undefined>;
}

const require = createRequire(import.meta.url);
let ready: Promise<void> | undefined;
const languages = new Map<Grammar, Promise<Language>>();

function loadLanguage(grammar: Grammar): Promise<Language> {
  let language = languages.get(grammar);
  if (language === undefined) {
    ready ??= Parser.init();
    language = ready.then(() =>
      Language.load(require.resolve(`@repomix/tree-sitter-wasms/out/tree-sitter-${grammar}.wasm`)),
    );
    languages.set(grammar, language);
  }
  return language;
}

/**
 * tree-sitter through `web-tree-sitter`, each grammar loaded once per thread on first use. Meant for the planning
 * worker: a parse is bounded in size and time, but it is still CPU work on PR content.
 */
export function createSyntaxParser(): SyntaxParser {
  return {
    async analyse({ path, text, ranges = [] }) {
      const grammar = grammarFor(path);
      if (grammar === undefined || Buffer.byteLength(text) > MAX_PARSE_BYTES) return undefined;
      const language = await loadLanguage(grammar);
      const parser = new Parser();
      try {
        parser.setLanguage(language);
        const deadline = performance.now() + MAX_PARSE_MS;
        // Returning true cancels the parse (web-tree-sitter's typing says void).
        const progressCallback = (() => performance.now() > deadline) as () => void;
        const tree = parser.parse(text, null, { progressCallback });
        if (tree === null) return undefined;
        try {
          return {
            hasError: tree.rootNode.hasError,
            enclosing: ranges.map((range) => findEnclosing(tree.rootNode, range)),
          };
        } finally {
          tree.delete();
        }
      } finally {
        parser.delete();
      }
    },
  };
}

type SyntaxNode = NonNullable<ReturnType<Parser["parse"]>>["rootNode"];

function findEnclosing(root: SyntaxNode, range: LineRange): LineRange | undefined {
  const start = { row: range.start - 1, column: 0 };
  const end = { row: range.end - 1, column: Number.MAX_SAFE_INTEGER >>> 12 };
  let node: SyntaxNode | null = root.descendantForPosition(start, end);
  // Up the (bounded) ancestry to the first unit of code that holds the whole range; never the file itself
  // (Python's root is a "module").
  while (node !== null && node.parent !== null) {
    const found = { start: node.startPosition.row + 1, end: node.endPosition.row + 1 };
    if (ENCLOSING_NODE_TYPES.has(node.type) && found.start <= range.start && found.end >= range.end) {
      return found.end - found.start + 1 <= MAX_ENCLOSING_LINES ? found : undefined;
    }
    node = node.parent;
  }
  return undefined;
}
