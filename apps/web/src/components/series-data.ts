import type uPlot from 'uplot';
import type { MatrixSeries } from '../api';

/**
 * Range-query series on one time axis for uPlot: every series of a query_range answer lies on
 * the same grid (start + k·step), so the axis is the grid and each series fills its slots,
 * leaving null where it has no point.
 */
export function alignMatrix(
  series: MatrixSeries[],
  startSec: number,
  endSec: number,
  stepSec: number,
): uPlot.AlignedData {
  const n = Math.max(1, Math.floor((endSec - startSec) / stepSec) + 1);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = startSec + i * stepSec;
  const out: Array<ArrayLike<number | null>> = [xs];
  for (const s of series) {
    const ys: Array<number | null> = new Array<number | null>(n).fill(null);
    for (const [t, v] of s.values) {
      const i = Math.round((t - startSec) / stepSec);
      if (i >= 0 && i < n) ys[i] = v === 'NaN' || v === '+Inf' || v === '-Inf' ? null : Number(v);
    }
    out.push(ys);
  }
  return out as uPlot.AlignedData;
}

const PALETTE = [
  '#2563eb',
  '#10b981',
  '#f59e0b',
  '#ef4444',
  '#8b5cf6',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
  '#f97316',
  '#64748b',
];

export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;
