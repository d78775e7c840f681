/**
 * The languages whose grammar the app parses (tree-sitter WebAssembly grammars from `@repomix/tree-sitter-wasms`),
 * by file extension, and the node types that count as an enclosing function or class in each. Files of any other
 * language get line windows instead.
 */
export const GRAMMARS = [
  "javascript",
  "typescript",
  "tsx",
  "python",
  "go",
  "java",
  "rust",
  "c",
  "cpp",
  "ruby",
] as const;
export type Grammar = (typeof GRAMMARS)[number];

const BY_EXTENSION: Readonly<Record<string, Grammar>> = {
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  py: "python",
  pyi: "python",
  go: "go",
  java: "java",
  rs: "rust",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  cxx: "cpp",
  hh: "cpp",
  hpp: "cpp",
  hxx: "cpp",
  rb: "ruby",
};

/** The grammar for a path, by its extension (case-insensitive); undefined when the app has none. */
export function grammarFor(path: string): Grammar | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return undefined;
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()];
}

/** Node types, across the grammars above, of functions, methods, classes and similar units of code. */
export const ENCLOSING_NODE_TYPES: ReadonlySet<string> = new Set([
  // JavaScript, TypeScript, TSX
  "function_declaration",
  "generator_function_declaration",
  "function_expression",
  "arrow_function",
  "method_definition",
  "class_declaration",
  "abstract_class_declaration",
  "interface_declaration",
  // Python
  "function_definition",
  "class_definition",
  // Go
  "method_declaration",
  "func_literal",
  "type_declaration",
  // Java
  "constructor_declaration",
  "enum_declaration",
  "record_declaration",
  // Rust
  "function_item",
  "impl_item",
  "trait_item",
  "mod_item",
  // C, C++
  "struct_specifier",
  "class_specifier",
  "namespace_definition",
  // Ruby
  "method",
  "singleton_method",
  "class",
  "module",
]);
