/** One line of the results table. Empty cells print as "—". */
export interface Row {
  metric: string;
  ours: string;
  baseline?: string;
  ratio?: string;
  target?: string;
  /** Undefined when the row has no target. */
  pass?: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A number with thousands separators and at most `digits` decimals. */
export function num(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a';
}

export const ms = (value: number, digits = 1) => `${num(value, digits)} ms`;
export const ratio = (ours: number, baseline: number) => `${num(ours / baseline, 2)}×`;

/** The rows as a GitHub markdown table. */
export function renderTable(rows: Row[]): string {
  const header = ['metric', 'ours', 'baseline', 'ratio', 'target', 'pass/fail'];
  const cells = rows.map((r) => [
    r.metric,
    r.ours,
    r.baseline ?? '—',
    r.ratio ?? '—',
    r.target ?? '—',
    r.pass === undefined ? '—' : r.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
