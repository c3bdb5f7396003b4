/**
 * Table cells with their uncertainty: `27.41 ± 0.12` for a mean, `+0.31 ± 0.12*` for a difference whose
 * interval excludes 0.
 *
 * Rounding rule (docs/statistics.md §5):
 * - the ± value is the larger distance from the estimate to an interval end, max(mean − lo, hi − mean), so
 *   the printed range always covers the whole interval (a percentile interval can be asymmetric; for a
 *   symmetric one this is the half-width (hi − lo)/2);
 * - without fixed decimals, the ± value keeps two significant digits (0.123 → 2 decimals, 1.23 → 1,
 *   12.3 → 0), capped at 6 decimals; a table column should pass one `decimals` for all its cells;
 * - the ± value is rounded UP at that precision (never understate uncertainty), the estimate to nearest;
 * - a difference always carries its sign; a value that rounds to zero prints without a minus sign.
 */

export interface CellInterval {
  mean: number;
  lo: number;
  hi: number;
}

export interface FormatOptions {
  /** Fixed decimals (e.g. one per table column); default: two significant digits of the ± value. */
  decimals?: number;
}

export interface DifferenceFormatOptions extends FormatOptions {
  /** Appended when the interval excludes 0 (default `*`). */
  marker?: string;
}

/** The ± value of a cell: max(mean − lo, hi − mean). */
export function plusMinus(iv: CellInterval): number {
  return Math.max(iv.mean - iv.lo, iv.hi - iv.mean, 0);
}

/** Decimals that show two significant digits of a ± value (2 for a zero or non-finite one). */
export function decimalsFor(plusMinusValue: number): number {
  if (!(plusMinusValue > 0) || !Number.isFinite(plusMinusValue)) return 2;
  return Math.min(6, Math.max(0, 1 - Math.floor(Math.log10(plusMinusValue))));
}

/** Rounds up at `decimals`, forgiving the last-bit noise of x·10^d (0.12·100 = 12.000000000000002). */
function roundUp(x: number, decimals: number): string {
  const f = 10 ** decimals;
  const scaled = x * f;
  const up = Math.ceil(scaled - 1e-9 * Math.max(1, Math.abs(scaled)));
  return (up / f).toFixed(decimals);
}

function fixed(x: number, decimals: number, signed: boolean): string {
  let s = x.toFixed(decimals);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return signed && !s.startsWith('-') ? `+${s}` : s;
}

function cell(iv: CellInterval, decimals: number | undefined, signed: boolean): string {
  if (![iv.mean, iv.lo, iv.hi].every(Number.isFinite)) return 'n/a';
  const pm = plusMinus(iv);
  const d = decimals ?? decimalsFor(pm);
  return `${fixed(iv.mean, d, signed)} ± ${roundUp(pm, d)}`;
}

/** `27.41 ± 0.12`. */
export function formatMean(iv: CellInterval, options: FormatOptions = {}): string {
  return cell(iv, options.decimals, false);
}

/** `+0.31 ± 0.12*` (marker when the interval excludes 0), `-0.05 ± 0.12` otherwise. */
export function formatDifference(iv: CellInterval, options: DifferenceFormatOptions = {}): string {
  const text = cell(iv, options.decimals, true);
  const excludesZero = iv.lo > 0 || iv.hi < 0;
  return text !== 'n/a' && excludesZero ? `${text}${options.marker ?? '*'}` : text;
}
