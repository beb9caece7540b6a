/**
 * Element-wise functions of an instant vector: math and trigonometry, rounding and clamping,
 * and the date functions (UTC, from a value in seconds since the epoch).
 */

export type ElementFunction = (v: number, params: readonly number[]) => number;

function sgn(v: number): number {
  if (v > 0) return 1;
  if (v < 0) return -1;
  return v; // 0, -0 and NaN keep their value
}

export const MATH_FUNCTIONS: Record<string, ElementFunction> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
  sgn,
  round: (v, p) => {
    const toNearest = p.length > 0 ? p[0]! : 1;
    const inverse = 1 / toNearest;
    return Math.floor(v * inverse + 0.5) / inverse;
  },
  clamp_min: (v, p) => Math.max(p[0]!, v),
  clamp_max: (v, p) => Math.min(p[0]!, v),
  clamp: (v, p) => Math.max(p[0]!, Math.min(p[1]!, v)),
};

function utc(v: number): Date {
  return new Date(Math.trunc(v) * 1000);
}

export const DATE_FUNCTIONS: Record<string, (v: number) => number> = {
  minute: (v) => utc(v).getUTCMinutes(),
  hour: (v) => utc(v).getUTCHours(),
  day_of_week: (v) => utc(v).getUTCDay(),
  day_of_month: (v) => utc(v).getUTCDate(),
  day_of_year: (v) => {
    const d = utc(v);
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - start) / 86_400_000) + 1;
  },
  days_in_month: (v) => {
    const d = utc(v);
    return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  },
  month: (v) => utc(v).getUTCMonth() + 1,
  year: (v) => utc(v).getUTCFullYear(),
};
