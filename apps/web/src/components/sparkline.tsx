import { useEffect, useRef } from 'preact/hooks';

interface Props {
  /** Values in time order; NaN leaves a gap. */
  values: ArrayLike<number> | undefined;
  /** Fixed top of a scale from zero (e.g. the highest CPU of the fleet); default: the series' own range. */
  max?: number;
  width?: number;
  height?: number;
  color?: string;
  label: string;
  /** Changes when `values` was updated in place, so the canvas is redrawn. */
  version?: number;
}

/**
 * A tiny line chart drawn straight on a canvas: a table of a thousand containers has two per
 * row, so it avoids a chart library's per-instance cost.
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
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== width * dpr) {
      c.width = width * dpr;
      c.height = height * dpr;
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const n = values?.length ?? 0;
    if (!values || n < 2) return;
    // With a fixed top the scale starts at zero (CPU of the fleet, comparable across rows);
    // without one it spans the series' own range, so a slow drift still shows.
    let top = max ?? -Infinity;
    let bottom = max === undefined ? Infinity : 0;
    if (max === undefined)
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        if (v > top) top = v;
        if (v < bottom) bottom = v;
      }
    if (!Number.isFinite(bottom)) bottom = 0;
    if (!(top > bottom)) top = bottom + 1;
    const dx = width / (n - 1);
    const sy = (height - 2) / (top - bottom);
    g.beginPath();
    let pen = false;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const x = i * dx;
      const y = height - 1 - (v - bottom) * sy;
      if (pen) g.lineTo(x, y);
      else g.moveTo(x, y);
      pen = true;
    }
    g.strokeStyle = color;
    g.lineWidth = 1.25;
    g.stroke();
  }, [values, max, width, height, color, version]);
  return (
    <canvas
      ref={ref}
      class="spark"
      style={{ width: `${width}px`, height: `${height}px` }}
      role="img"
      aria-label={label}
    />
  );
}
