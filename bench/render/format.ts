// How figures look in the rendered documents: seconds, ratios, Markdown tables.
import { median } from '../lib/util.js';

/** "1.23 s"; "n/a" for no figure. */
export const s = (ms: number | undefined): string =>
  ms !== undefined && Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a';

/** "38 ms" */
export const msText = (ms: number | undefined): string =>
  ms !== undefined && Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'n/a';

/** "0.85"; "n/a" for no figure. */
export const ratio = (r: number | undefined): string =>
  r !== undefined && Number.isFinite(r) ? r.toFixed(2) : 'n/a';

/** The median of the figures `pick` finds in `rows` (NaN for none). */
export function med<T>(rows: readonly T[], pick: (row: T) => number | undefined): number {
  return median(rows.map(pick).filter((x): x is number => x !== undefined && Number.isFinite(x)));
}

/**
 * The median over repetitions of a ÷ b, each pair from the same repetition (the machine's
 * drift between repetitions cancels out).
 */
export function pairedRatio<T extends { rep: number }>(
  a: readonly T[],
  b: readonly T[],
  ms: (r: T) => number,
): number {
  const ratios = a.flatMap((x) => {
    const y = b.find((r) => r.rep === x.rep);
    return y ? [ms(x) / ms(y)] : [];
  });
  return median(ratios);
}

const cell = (c: string | number): string => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A Markdown table, the first row the header. */
export function mdTable(rows: (string | number)[][]): string {
  const [head, ...body] = rows;
  return [
    `| ${head!.map(cell).join(' | ')} |`,
    `| ${head!.map(() => '---').join(' | ')} |`,
    ...body.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** "met" / "missed" for a figure against an upper bound. */
export const verdict = (value: number, limit: number): string =>
  Number.isFinite(value) ? (value <= limit ? 'met' : '**missed**') : 'n/a';
