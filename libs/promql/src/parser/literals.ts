/**
 * PromQL literals: numbers (decimal, hex, exponent, `_` separators, Inf/NaN, and durations,
 * which Prometheus 3 accepts as a number of seconds), durations, and Go-style quoted strings.
 */
import { parseDurationMs as parseDuration } from '@ztsdb/model';

/** Milliseconds of a Prometheus duration like `1h30m`, or undefined when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  return parseDuration(text);
}

/** The value of a number token: plain, hex, with `_` separators, Inf/NaN, or a duration in seconds. */
export function parseNumber(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  const dur = parseDurationMs(text);
  if (dur !== undefined && /[a-z]/i.test(text) && !/^0x/i.test(text)) return dur / 1000;
  const clean = text.replace(/_/g, '');
  if (/^0x[0-9a-f]+$/i.test(clean)) return parseInt(clean.slice(2), 16);
  if (/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(clean)) return Number(clean);
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/**
 * Unquotes a string literal as Go's strconv.Unquote does for PromQL: backquotes are raw;
 * `"` and `'` take escapes (\n, \xNN, \NNN, \uNNNN, \UNNNNNNNN). Returns an error text on failure.
 */
export function unquoteString(text: string): { value: string } | { error: string } {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q)
    return { error: 'unterminated quoted string' };
  const body = text.slice(1, -1);
  if (q === '`') return { value: body };
  const bytes: number[] = [];
  const pushString = (s: string): void => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushString(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return { error: 'invalid syntax' };
    if (e in SIMPLE_ESCAPES) {
      if ((e === '"' || e === "'") && e !== q) return { error: 'invalid syntax' };
      pushString(SIMPLE_ESCAPES[e]!);
    } else if (e === 'x') {
      const hex = body.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/i.test(hex)) return { error: 'invalid syntax' };
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) return { error: 'invalid syntax' };
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const len = e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-f]{${len}}$`, 'i').test(hex)) return { error: 'invalid syntax' };
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return { error: 'invalid syntax' };
      pushString(String.fromCodePoint(cp));
      i += len;
    } else {
      return { error: 'invalid syntax' };
    }
  }
  return { value: decodeBytes(bytes) };
}

/** Bytes to a string; invalid UTF-8 is kept as U+FFFD so label validation can reject it. */
function decodeBytes(bytes: number[]): string {
  return Buffer.from(bytes).toString('utf8');
}

/** True when the string is valid UTF-8 text with no replacement characters from bad bytes. */
export function isValidUtf8Label(value: string): boolean {
  return !value.includes('\ufffd');
}
