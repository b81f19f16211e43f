/** What every benchmark hands back, and the small pieces of arithmetic and layout they share. */

export interface BenchSection {
  /** Short key, used in results/latest.json. */
  name: string;
  title: string;
  /** Printed as is, under the title. */
  text: string;
  /** The figures, as plain JSON. */
  data: unknown;
}

export interface Benchmark {
  name: string;
  run(): Promise<BenchSection>;
}

/** Nearest-rank percentile (p in [0, 100]) of values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Rounds for display: a number of significant digits, without an exponent. */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(Math.min(decimals, 6));
}

export function formatPercent(fraction: number): string {
  return `${formatNumber(fraction * 100)} %`;
}

export function formatRatio(ours: number, baseline: number): string {
  if (baseline === 0) return ours === 0 ? '1.00' : '∞';
  return (ours / baseline).toFixed(2);
}
