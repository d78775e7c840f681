import type { ChatMessage } from "./types.js";

/** Tokens the chat template adds around each message and the request (role markers, begin/end of turn). */
const TEMPLATE_TOKENS_PER_MESSAGE = 8;
const TEMPLATE_TOKENS_PER_REQUEST = 16;

/**
 * The most prompt tokens DeepSeek can bill for these messages: its tokenizer is a byte-level BPE, so every token
 * stands for at least one UTF-8 byte; plus the chat template's tokens. Typically 3 to 4 times the real count for
 * code, but a bound whatever the text (a private-use character can take 4 tokens). Linear; no tokenizer.
 */
export function promptTokenBound(messages: readonly ChatMessage[]): number {
  let bytes = 0;
  for (const message of messages) bytes += Buffer.byteLength(message.content, "utf8");
  return bytes + messages.length * TEMPLATE_TOKENS_PER_MESSAGE + TEMPLATE_TOKENS_PER_REQUEST;
}
