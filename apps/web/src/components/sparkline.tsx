import { sparkPath } from './spark-path';

interface Props {
  /** Values in time order; NaN leaves a gap. */
  values: ArrayLike<number> | undefined;
  /** Fixed top of a scale from zero (e.g. the highest CPU of the fleet); default: the series' own range. */
  max?: number;
  width?: number;
  height?: number;
  color?: string;
  label: string;
  /** Changes when `values` was updated in place, so the line is drawn anew. */
  version?: number;
}

interface CachedPath {
  version: number | undefined;
  max: number | undefined;
  width: number;
  height: number;
  d: string;
}

// The path of each series, kept until its values (version) or scale change: when the table's
// rows are re-sorted, a row moving to another place reuses its path instead of recomputing it.
const paths = new WeakMap<object, CachedPath>();

/**
 * A tiny line chart as one SVG path: a table of containers has two per row. A path costs the
 * page's main thread only its recording at paint (rasterising happens off the main thread),
 * where a canvas per cell made the main thread produce a canvas resource for each one drawn.
 */
export function Sparkline({
  values,
  max,
  width = 96,
  height = 22,
  color = '#3b82f6',
  label,
  version,
}: Props) {
  let d = '';
  if (values) {
    const hit = paths.get(values);
    if (
      hit &&
      hit.version === version &&
      hit.max === max &&
      hit.width === width &&
      hit.height === height
    )
      d = hit.d;
    else {
      d = sparkPath(values, max, width, height);
      paths.set(values, { version, max, width, height, d });
    }
  }
  return (
    <svg
      class="spark"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <path d={d} fill="none" stroke={color} stroke-width="1.25" stroke-linejoin="round" />
    </svg>
  );
}
