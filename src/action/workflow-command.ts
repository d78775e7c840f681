/** A workflow command's message on one line: `%`, CR and LF escaped as the runner expects. */
export function escapeCommand(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** An error annotation with the first line of `message`. */
export function errorCommand(message: string): string {
  return `::error title=deepseek-review::${escapeCommand(message.split("\n", 1)[0] ?? "")}\n`;
}
