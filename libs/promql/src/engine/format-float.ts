/** A float as Go's strconv.FormatFloat(f, 'f', -1, 64) writes it: shortest digits, no exponent. */
export function formatFloat(f: number): string {
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
