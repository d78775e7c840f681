/**
 * Whether `body` mentions the app, `@<slug>` (or `@<slug>[bot]`), as a whole login: not `@slug-other` nor
 * `x@slug`. Case-insensitive, linear: one scan for `@`, each compared once.
 */
export function mentionsApp(body: string, slug: string): boolean {
  const text = body.toLowerCase();
  const name = `@${slug.toLowerCase()}`;
  for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
    const before = at === 0 ? "" : (text[at - 1] ?? "");
    const after = text[at + name.length] ?? "";
    if (/[\w-]/.test(before) || /[\w-]/.test(after)) continue;
    return true;
  }
  return false;
}
