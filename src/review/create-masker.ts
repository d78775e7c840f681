import { createSecretScanner, type ScanSecrets } from "./create-secret-scanner.js";
import { maskSecretLines, type SecretRange } from "./mask-secrets.js";

export interface MaskLinesOptions {
  /** The file the lines come from (see `MaskOptions.path`). */
  path?: string;
  /** Lines that are not consecutive lines of one text (paths, hunk headings): no private key block spans them. */
  independent?: boolean;
}

/** Masks the secrets of lines, keeping every line: the app's rules and, when given, a scanner's (secretlint). */
export type MaskLines = (lines: readonly string[], options?: MaskLinesOptions) => Promise<string[]>;

/** The one way text from a pull request is masked before the model sees it. */
export function createMasker(scan?: ScanSecrets): MaskLines {
  return async (lines, options = {}) => {
    const extra = scan === undefined ? undefined : await scan(lines);
    const path = options.path === undefined ? {} : { path: options.path };
    if (options.independent !== true) {
      return maskSecretLines(lines, { ...path, ...(extra === undefined ? {} : { extra }) });
    }
    return lines.map(
      (line, index) =>
        maskSecretLines([line], { ...path, extra: [extra?.[index] ?? ([] as SecretRange[])] })[0] ?? line,
    );
  };
}

let threadMasker: MaskLines | undefined;

/**
 * The masker with secretlint's rules, made once per thread on first use (loading the rules takes a while): planning,
 * context and suggestion checks on one thread share it.
 */
export function secretMasker(): MaskLines {
  threadMasker ??= createMasker(createSecretScanner());
  return threadMasker;
}
