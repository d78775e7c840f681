import { createSyntaxParser, type SyntaxParser } from "../syntax/create-syntax-parser.js";
import {
  checkSuggestions,
  type SuggestionCheckRequest,
  type SuggestionCheckResult,
} from "./check-suggestions.js";
import type { CountTokens } from "./count-tokens.js";
import { type MaskLines, secretMasker } from "./create-masker.js";
import { type ContextRequest, type ContextResult, extractContext } from "./extract-context.js";

/** The work that parses PR content with tree-sitter: on the planning worker in production (src/workers/). */
export interface SyntaxTasks {
  extractContext(request: ContextRequest): Promise<ContextResult>;
  checkSuggestions(request: SuggestionCheckRequest): Promise<SuggestionCheckResult>;
}

/** A task as sent to a worker. */
export type SyntaxTaskMessage =
  | { task: "context"; request: ContextRequest }
  | { task: "suggestions"; request: SuggestionCheckRequest };

/** Runs one task with the given dependencies (on a worker, or inline). */
export function runSyntaxTask(
  message: SyntaxTaskMessage,
  deps: { parser: SyntaxParser; countTokens: CountTokens; mask: MaskLines },
): Promise<ContextResult | SuggestionCheckResult> {
  return message.task === "context"
    ? extractContext(message.request, deps)
    : checkSuggestions(message.request, deps);
}

/** The tasks on the calling thread: for tests, the CLI and the eval runner. */
export function syntaxTasksInline(countTokens: CountTokens): SyntaxTasks {
  let deps: { parser: SyntaxParser; countTokens: CountTokens; mask: MaskLines } | undefined;
  const load = () => {
    deps ??= { parser: createSyntaxParser(), countTokens, mask: secretMasker() };
    return deps;
  };
  return {
    extractContext: (request) => extractContext(request, load()),
    checkSuggestions: (request) => checkSuggestions(request, load()),
  };
}
