/** Time ranges of the charts: a preset ending now, or a custom start and end (seconds). */

export const PRESETS: Array<{ key: string; label: string; sec: number }> = [
  { key: '15m', label: '15 m', sec: 15 * 60 },
  { key: '1h', label: '1 h', sec: 3600 },
  { key: '6h', label: '6 h', sec: 6 * 3600 },
  { key: '24h', label: '24 h', sec: 24 * 3600 },
  { key: '7d', label: '7 d', sec: 7 * 86400 },
];

export interface TimeRange {
  startSec: number;
  endSec: number;
  stepSec: number;
}

/** About this many points per series on a chart: enough for detail, few enough to stay fast. */
const POINTS = 500;

export function stepFor(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / POINTS));
}

/**
 * The range named by URL parameters: `range` (a preset key) or `from` and `to` (seconds,
 * custom); end aligned to the step so successive refreshes hit the same grid.
 */
export function resolveRange(search: URLSearchParams, nowSec = Date.now() / 1000): TimeRange {
  const from = Number(search.get('from'));
  const to = Number(search.get('to'));
  if (from > 0 && to > from) {
    const step = stepFor(to - from);
    return { startSec: Math.floor(from), endSec: Math.ceil(to), stepSec: step };
  }
  const preset = PRESETS.find((p) => p.key === search.get('range')) ?? PRESETS[0]!;
  const step = stepFor(preset.sec);
  const end = Math.ceil(nowSec / step) * step;
  return { startSec: end - preset.sec, endSec: end, stepSec: step };
}

/** `YYYY-MM-DDTHH:MM` in local time, for datetime-local inputs. */
export function toLocalInput(sec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
