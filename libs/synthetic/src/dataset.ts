import { METRICS, seriesId, seriesName } from '@ztsdb/model';
import { SyntheticFleet } from './synthetic-fleet';

/** A container-like dataset for benchmarks: every series shares one timestamp column. */
export interface Dataset {
  names: string[];
  ids: BigUint64Array;
  timestamps: Float64Array;
  /** values[s] holds series s, one value per timestamp. */
  values: Float64Array[];
}

/**
 * `series` series (rounded up to whole containers of ten metrics) × `points`
 * points every `stepMs`, with the synthetic source's shapes.
 */
export function generateDataset(
  series: number,
  points: number,
  stepMs = 1000,
  startMs = 1_700_000_000_000,
  seed = 7,
): Dataset {
  const containers = Math.ceil(series / METRICS.length);
  const fleet = new SyntheticFleet(containers, seed, 'bench');
  const timestamps = new Float64Array(points);
  for (let p = 0; p < points; p++) timestamps[p] = startMs + p * stepMs;
  const names: string[] = [];
  const values: Float64Array[] = [];
  for (let c = 0; c < containers; c++) {
    for (const m of METRICS) names.push(seriesName(m, fleet.containers[c]!.id));
    const cols = METRICS.map(() => new Float64Array(points));
    const row = new Float64Array(METRICS.length);
    for (let p = 0; p < points; p++) {
      fleet.next(c, row);
      for (let m = 0; m < METRICS.length; m++) cols[m]![p] = row[m]!;
    }
    values.push(...cols);
  }
  names.length = series;
  values.length = series;
  return { names, ids: BigUint64Array.from(names, seriesId), timestamps, values };
}
