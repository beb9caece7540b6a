/** Below this magnitude a double's spacing is under 1e-6 (2^30: 2^-22 ≈ 2.4e-7). */
const SHORT_DECIMAL_MAX = 2 ** 30;

/**
 * A float as Go's strconv.FormatFloat(f, 'f', -1, 64) writes it: shortest digits, no exponent.
 * Values with at most six decimals (metrics are often rounded: 12.34) are written from two
 * integers, several times faster than the shortest-digits search of String(f), with the same
 * text (see shortDecimal).
 */
export function formatFloat(f: number): string {
  const short = shortDecimal(f);
  return short ?? formatFloatSlow(f);
}

/**
 * The decimal text of f when f is exactly the double nearest some k·10⁻⁶ (checked: k / 1e6 is
 * that double, IEEE division rounding correctly) and |f| < 2^30. Then that decimal is the
 * shortest text that reads back as f: the doubles there are less than 1e-6 apart, so no other
 * decimal with six or fewer decimals reads back as f, and one with fewer digits would be one.
 */
export function shortDecimal(f: number): string | undefined {
  if (!(f > -SHORT_DECIMAL_MAX && f < SHORT_DECIMAL_MAX)) return undefined;
  const k = Math.round(f * 1e6);
  if (k / 1e6 !== f) return undefined;
  if (k === 0) return '0';
  const a = k < 0 ? -k : k;
  const int = Math.floor(a / 1e6);
  let frac = a - int * 1e6;
  const sign = k < 0 ? '-' : '';
  if (frac === 0) return sign + String(int);
  let digits = 6;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  return `${sign}${int}.${String(frac).padStart(digits, '0')}`;
}

/** formatFloat by String(f), its exponent form written out. */
export function formatFloatSlow(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const s = String(f);
  // Most values print without an exponent: no regex for them (answers format millions).
  if (s.indexOf('e') < 0) return s;
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const digits = int! + frac;
  const exp = Number(expText);
  if (exp >= 0) {
    const pointAt = 1 + exp;
    return (
      sign +
      (digits.length <= pointAt
        ? digits + '0'.repeat(pointAt - digits.length)
        : `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`)
    );
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}
