/** Sparkline geometry, apart from rendering so that it can be tested without a browser. */

/**
 * The SVG path of `values` in a width × height box: one `M` per run of finite values, `L` to
 * each next point; empty with fewer than two points.
 */
export function sparkPath(
  values: ArrayLike<number>,
  max: number | undefined,
  width: number,
  height: number,
): string {
  const n = values.length;
  if (n < 2) return '';
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
  let d = '';
  let pen = false;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const x = i * dx;
    const y = height - 1 - (v - bottom) * sy;
    d += `${pen ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    pen = true;
  }
  return d;
}
