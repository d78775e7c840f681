/** Token usage of one model response, as DeepSeek reports it. */
export interface Usage {
  promptCacheHitTokens: number;
  promptCacheMissTokens: number;
  completionTokens: number;
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

export interface ModelClient {
  complete(request: ModelRequest): Promise<ModelResponse>;
}
