/** Token usage of one model response, as DeepSeek reports it. */
export interface Usage {
  promptCacheHitTokens: number;
  promptCacheMissTokens: number;
  completionTokens: number;
  /**
   * True when DeepSeek's figures could not be read (the body broke off, or carried no usage) and these are the
   * app's upper bound instead: every prompt token a cache miss, see `promptTokenBound`.
   */
  estimated?: boolean;
}

export interface ChatMessage {
  role: "system" | "user";
  content: string;
}

/** The one thing the pipeline needs from a chat model: a JSON-mode completion. */
export interface ModelRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
}

export interface ModelResponse {
  content: string;
  finishReason: string;
  usage: Usage;
}

/**
 * One `complete` is at most one billed answer: a client retries only failures DeepSeek does not bill (an error
 * status, a connection that fails before an answer); an answer that arrives and then breaks off is billed, so it
 * is thrown (`AnswerBrokeOffError`, with its usage) for the caller to count and decide.
 */
export interface ModelClient {
  complete(request: ModelRequest): Promise<ModelResponse>;
}
