/**
 * A plain-text table: a title, the headers and a rule, one line per row with the first column left-aligned and the
 * others (numbers) right-aligned, then the last row — the total — under a rule of its own.
 */
export function renderTextTable(params: {
  title: string;
  headers: readonly string[];
  /** Rows of cells, the total last. */
  cells: readonly (readonly string[])[];
}): string {
  const { headers, cells } = params;
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...cells.map((row) => (row[column] ?? "").length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const body = cells.slice(0, -1).map(line);
  return [
    params.title,
    "",
    line(headers),
    rule,
    ...body,
    ...(body.length > 0 ? [rule] : []),
    line(cells.at(-1) ?? []),
  ].join("\n");
}
