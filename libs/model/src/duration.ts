const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;
const N = '(\\d+(?:\\.\\d+)?)';
const DURATION_RE = new RegExp(`^${UNIT_ORDER.map((u) => `(?:${N}${u})?`).join('')}$`);

export interface DurationForm {
  /** Parts may have a fraction (`1.5h`); Prometheus durations may not. */
  fractions?: boolean;
  /** A plain number is milliseconds (settings); otherwise it is not a duration. */
  plainMs?: boolean;
}

/**
 * Milliseconds of a duration as users write it: units in Prometheus's order
 * (`1h30m`, `500ms`, `30d`; y w d h m s ms, each at most once). By default
 * exactly Prometheus's form; `form` widens it for settings and time
 * parameters. Undefined when the text is not one.
 */
export function parseDurationMs(text: string, form: DurationForm = {}): number | undefined {
  if (text === '') return undefined;
  if (form.plainMs && /^\d+$/.test(text)) return Number(text);
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < UNIT_ORDER.length; i++) {
    const part = m[i + 1];
    if (part === undefined) continue;
    if (!form.fractions && part.includes('.')) return undefined;
    ms += Number(part) * UNIT_MS[UNIT_ORDER[i]!]!;
  }
  return form.fractions ? Math.round(ms) : ms;
}

/**
 * A duration as settings, query parameters and command-line options take it: Prometheus's
 * form widened with fractions (`1.5h`) and plain milliseconds, surrounding spaces ignored.
 */
export function parseLenientDurationMs(text: string): number | undefined {
  return parseDurationMs(text.trim(), { fractions: true, plainMs: true });
}
