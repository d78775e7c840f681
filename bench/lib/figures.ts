/** A measured figure, and the target it is held to when the issue sets one. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** "<" or "<=" a number: the figure meets its target when the comparison holds. */
  target?: { op: "<" | "<=" | ">="; value: number };
  /** How it was measured, or what it means. */
  note?: string;
}

/** Whether a figure meets its target (true when it has none). */
export function meets(figure: Figure): boolean {
  const target = figure.target;
  if (target === undefined) return true;
  if (target.op === "<") return figure.value < target.value;
  if (target.op === ">=") return figure.value >= target.value;
  return figure.value <= target.value;
}

/** "1,234.5 ms"; large numbers grouped, small ones with up to 3 significant decimals. */
export function formatValue(value: number, unit: string): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === "" ? text : `${text} ${unit}`;
}

/** "target < 2,000 ms: met" or "target < 2,000 ms: MISSED"; "" without a target. */
export function formatTarget(figure: Figure): string {
  if (figure.target === undefined) return "";
  const verdict = meets(figure) ? "met" : "MISSED";
  return `target ${figure.target.op} ${formatValue(figure.target.value, figure.unit)}: ${verdict}`;
}

/** The median of some numbers (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The p-th percentile (nearest rank) of some numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
  );
}

export const MB = 1_000_000;
