/**
 * `min_of(a, b)` and `max_of(a, b)` as numbers in an expression (`min_of(3, 5)` is 3), as
 * Prometheus 3's duration arithmetic allows them outside brackets too. The lezer grammar knows
 * them only inside durations, so before the parse each such call is evaluated as a duration
 * (in seconds) and blanked to a one-character number of the same length: every position in
 * the text stays where it was, and the converter takes the call's value for that number.
 */
import { parser } from '@prometheus-io/lezer-promql';
import type { SyntaxNode } from '@lezer/common';
import { durationSeconds, type DurationContext } from './durations';
import type { Converter } from './parse';

export interface FoldedCalls {
  /** The text to parse, each call replaced by `0` and spaces. */
  text: string;
  /** Value of each replaced call, by its start offset. */
  values: Map<number, number>;
}

const CALL = /(?<![\w:])(min_of|max_of)\s*\(/g;

/**
 * Folds the calls found outside strings, comments, brackets and braces; a call that is not a
 * valid duration expression is left as it is (the parse then reports it).
 */
export function foldMinMaxOf(
  text: string,
  ctx: DurationContext | undefined,
  converter: (src: string) => Converter,
): FoldedCalls {
  const values = new Map<number, number>();
  if (!text.includes('min_of') && !text.includes('max_of')) return { text, values };
  const outside = plainOffsets(text);
  let out = text;
  for (const m of text.matchAll(CALL)) {
    const from = m.index;
    if (!outside[from]) continue;
    const to = closingParen(text, from + m[0].length - 1, outside);
    if (to < 0) continue;
    const call = text.slice(from, to + 1);
    const src = `x[${call}]`;
    const tree = parser.parse(src);
    let bad = false;
    tree.iterate({ enter: (n) => void (n.type.isError && (bad = true)) });
    const dur: SyntaxNode | null | undefined = tree.topNode.firstChild?.getChild('DurationExpr');
    if (bad || !dur) continue;
    let v: number;
    try {
      v = durationSeconds(converter(src), dur, ctx);
    } catch {
      continue;
    }
    values.set(from, v);
    out = out.slice(0, from) + '0'.padEnd(call.length, ' ') + out.slice(to + 1);
  }
  return { text: out, values };
}

/** Per offset: true where the text is plain expression (not in a string, comment, [] or {}). */
function plainOffsets(text: string): boolean[] {
  const plain = new Array<boolean>(text.length).fill(false);
  let quote = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
    } else if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if (depth === 0) plain[i] = true;
  }
  return plain;
}

/** Offset of the `)` closing the `(` at `open`, or -1. */
function closingParen(text: string, open: number, plain: boolean[]): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (!plain[i]) continue;
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}
