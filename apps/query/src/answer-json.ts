import type { Labels } from '@ztsdb/model';
import type { Points } from '@ztsdb/tsdb';
import type { QueryBudget } from './query-budget';
import type { QueryClock } from './query-clock';

export interface QueryWarning {
  /** File as the manifest names it (relative to the data dir), when the warning is about a file. */
  file?: string;
  code: string;
  message: string;
}

export interface Incomplete {
  missingPartitions?: Array<{ partition: number; reason: string }>;
  warnings?: QueryWarning[];
}

/** `series=<name>`: one series. */
export interface SingleAnswer extends Incomplete {
  kind: 'single';
  series: string;
  points: Points;
}

/** `match=…` without agg: every matched series. */
export interface MultiAnswer extends Incomplete {
  kind: 'multi';
  result: Array<{ series: string; labels: Labels; points: Points }>;
}

/** `agg=…`: one row per group of `by`. */
export interface AggAnswer extends Incomplete {
  kind: 'agg';
  agg: string;
  by: string[];
  step: number;
  result: Array<{ group: Labels; series: number; points: Points }>;
}

export type QueryAnswer = SingleAnswer | MultiAnswer | AggAnswer;

/**
 * JSON has no NaN or infinities; they go as the strings "NaN", "+Inf" and
 * "-Inf", as Prometheus's HTTP API writes them (README, "HTTP"). Every finite
 * value, -0 included, is a JSON number that parses back to the same double.
 */
function num(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"+Inf"' : '"-Inf"';
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];
/** Above this, a decimal grid of the chosen step may be finer than the spacing of doubles. */
const EXACT_LIMIT = 2 ** 50;
/** Bytes one point takes at most: `,[` `,` `]` and two numbers of at most 26 characters. */
const MAX_POINT_BYTES = 64;
/** Points written between chances to pause (answerJsonBufferAsync). */
const POINTS_PER_SLICE = 1 << 15;
/** Points written between checks for room. */
const POINTS_PER_BLOCK = 1024;
/** Largest writer buffer kept between answers. */
const KEEP_BYTES = 4 << 20;

/** "000" to "999", three bytes each. */
const DIGITS3 = new Uint8Array(3000);
for (let i = 0; i < 1000; i++) {
  DIGITS3[3 * i] = 48 + Math.floor(i / 100);
  DIGITS3[3 * i + 1] = 48 + (Math.floor(i / 10) % 10);
  DIGITS3[3 * i + 2] = 48 + (i % 10);
}

/**
 * Writes the decimal digits of a non-negative integer below 2^53 at b[pos],
 * zero padded to `width`; returns the position after them.
 */
function putInt(b: Buffer, pos: number, x: number, width: number): number {
  let n = 1;
  while (n < 16 && x >= POW10[n]!) n++;
  if (n < width) n = width;
  const end = pos + n;
  let i = end;
  while (x >= 2 ** 31) {
    const q = Math.floor(x / 10);
    b[--i] = 48 + (x - q * 10);
    x = q;
    n--;
  }
  let y = x | 0;
  for (; n > 0; n--) {
    const q = (y / 10) | 0;
    b[--i] = 48 + (y - q * 10);
    y = q;
  }
  return end;
}

/**
 * Writes a JSON number with the same text as String(v) (shortest round
 * trip; non-finite values as strings) at b[pos], which has room for 26
 * bytes; returns the position after it. A value with at most 15 decimals and
 * magnitude below 2^50 / 10^k is written as its exact decimal r / 10^k, with
 * the smallest k for which r / 10^k is v again: a division of two exactly
 * held integers is correctly rounded, as parsing that text is, so the text
 * reads back as v; the smallest such k gives the fewest digits, which is the
 * decimal String(v) chooses (the grid 10^-k is coarser than the doubles
 * around v, so at most one such r exists). Anything else goes through String.
 */
function putNumber(b: Buffer, pos: number, v: number): number {
  const a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < EXACT_LIMIT) {
    for (let k = 0; k < POW10.length; k++) {
      const p = POW10[k]!;
      const m = a * p;
      if (m >= EXACT_LIMIT) break;
      const r = Math.round(m);
      if (r / p !== a) continue;
      if (v < 0) b[pos++] = 45; // '-'
      if (k === 0) return putInt(b, pos, r, 1);
      let ip = Math.floor(r / p);
      if (r - ip * p < 0) ip--;
      pos = putInt(b, pos, ip, 1);
      b[pos++] = 46; // '.'
      return putInt(b, pos, r - ip * p, k);
    }
  }
  if (v === 0) {
    // JSON allows "-0", and JSON.parse reads it back as -0 (String(-0) would say "0").
    if (1 / v < 0) b[pos++] = 45;
    b[pos] = 48;
    return pos + 1;
  }
  return pos + b.write(num(v), pos, 'latin1');
}

/**
 * A growable byte buffer for JSON, numbers written digit by digit with no
 * intermediate strings. Reused between answers (one at a time: the writers
 * are synchronous and hand out copies).
 */
class JsonWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;

  reset(): void {
    this.pos = 0;
    // A buffer grown for one large answer is not kept for all later ones.
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(1 << 16);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.pos);
    this.buf = b;
  }

  /** Text of any characters, as UTF-8. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /**
   * `[[ts, value], …]` straight from the typed arrays. Timestamps mostly
   * share their digits above the last six, and a value is often the one
   * before: those bytes are copied instead of formatted again.
   */
  points(p: Points, from = 0, to = p.timestamps.length): void {
    const n = p.timestamps.length;
    const ts = p.timestamps;
    const vs = p.values;
    this.ensure(2 + Math.min(to - from, POINTS_PER_BLOCK) * MAX_POINT_BYTES);
    let b = this.buf;
    let pos = this.pos;
    if (from === 0) b[pos++] = 91; // '['
    let lastV = NaN;
    let vStart = 0;
    let vLen = 0;
    let hi = -1;
    let hiStart = 0;
    let hiLen = 0;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let c4 = 0;
    let c5 = 0;
    let c6 = 0;
    for (let i = from; i < to; i++) {
      if ((i - from) % POINTS_PER_BLOCK === 0 && i > from) {
        // Room for the next block (positions stay valid when the buffer grows).
        this.pos = pos;
        this.ensure(2 + Math.min(to - i, POINTS_PER_BLOCK) * MAX_POINT_BYTES);
        b = this.buf;
      }
      if (i > 0) b[pos++] = 44; // ','
      b[pos++] = 91;
      const t = ts[i]!;
      if (t >= 1e6 && t <= Number.MAX_SAFE_INTEGER && Number.isInteger(t)) {
        const h = Math.floor(t / 1e6);
        if (h === hi && hiLen === 7) {
          // Thirteen-digit timestamps (2001 to 2286), the usual case.
          b[pos] = c0;
          b[pos + 1] = c1;
          b[pos + 2] = c2;
          b[pos + 3] = c3;
          b[pos + 4] = c4;
          b[pos + 5] = c5;
          b[pos + 6] = c6;
          pos += 7;
        } else if (h === hi) {
          for (let j = 0; j < hiLen; j++) b[pos + j] = b[hiStart + j]!;
          pos += hiLen;
        } else {
          hi = h;
          hiStart = pos;
          pos = putInt(b, pos, h, 1);
          hiLen = pos - hiStart;
          c0 = b[hiStart]!;
          c1 = b[hiStart + 1]!;
          c2 = b[hiStart + 2]!;
          c3 = b[hiStart + 3]!;
          c4 = b[hiStart + 4]!;
          c5 = b[hiStart + 5]!;
          c6 = b[hiStart + 6]!;
        }
        const lo = (t - h * 1e6) | 0;
        const k = (lo / 1000) | 0;
        const q = k * 3;
        const r = (lo - k * 1000) * 3;
        b[pos] = DIGITS3[q]!;
        b[pos + 1] = DIGITS3[q + 1]!;
        b[pos + 2] = DIGITS3[q + 2]!;
        b[pos + 3] = DIGITS3[r]!;
        b[pos + 4] = DIGITS3[r + 1]!;
        b[pos + 5] = DIGITS3[r + 2]!;
        pos += 6;
      } else if (t >= 0 && t <= Number.MAX_SAFE_INTEGER && Number.isInteger(t)) {
        pos = putInt(b, pos, t, 1);
      } else {
        pos = putNumber(b, pos, t);
      }
      b[pos++] = 44;
      const v = vs[i]!;
      // 0 === -0, but they are written differently.
      if (v === lastV && vLen > 0 && (v !== 0 || 1 / v === 1 / lastV)) {
        for (let j = 0; j < vLen; j++) b[pos + j] = b[vStart + j]!;
        pos += vLen;
      } else {
        lastV = v;
        vStart = pos;
        pos = putNumber(b, pos, v);
        vLen = pos - vStart;
      }
      b[pos++] = 93; // ']'
    }
    if (to === n) b[pos++] = 93;
    this.pos = pos;
  }
}

const shared = new JsonWriter();

/** `[[ts, value], …]` as JSON text, as JSON.stringify would write it (non-finite values as strings). */
export function pointsJson(p: Points): string {
  shared.reset();
  shared.points(p);
  return shared.buf.toString('latin1', 0, shared.pos);
}

function tail(a: Incomplete): string {
  let s = '';
  if (a.missingPartitions && a.missingPartitions.length > 0)
    s += `,"missingPartitions":${JSON.stringify(a.missingPartitions)}`;
  if (a.warnings && a.warnings.length > 0) s += `,"warnings":${JSON.stringify(a.warnings)}`;
  return s;
}

/**
 * Writes an answer, yielding after every slice of points so that an async
 * caller can let the event loop run; `fits` is called after each slice.
 */
function* writeAnswer(w: JsonWriter, a: QueryAnswer, fits: () => void): Generator<void> {
  function* points(p: Points): Generator<void> {
    const n = p.timestamps.length;
    if (n === 0) w.points(p);
    for (let i = 0; i < n; i += POINTS_PER_SLICE) {
      w.points(p, i, Math.min(n, i + POINTS_PER_SLICE));
      fits();
      yield;
    }
  }
  switch (a.kind) {
    case 'single':
      w.text(`{"series":${JSON.stringify(a.series)},"points":`);
      yield* points(a.points);
      break;
    case 'multi':
      w.text('{"result":[');
      for (const [i, r] of a.result.entries()) {
        w.text(
          `${i > 0 ? ',' : ''}{"series":${JSON.stringify(r.series)},"labels":${JSON.stringify(r.labels)},"points":`,
        );
        yield* points(r.points);
        w.byte(125); // '}'
      }
      w.byte(93);
      break;
    case 'agg':
      w.text(
        `{"agg":${JSON.stringify(a.agg)},"by":${JSON.stringify(a.by)},"step":${a.step},"result":[`,
      );
      for (const [i, r] of a.result.entries()) {
        w.text(
          `${i > 0 ? ',' : ''}{"group":${JSON.stringify(r.group)},"series":${r.series},"points":`,
        );
        yield* points(r.points);
        w.byte(125);
      }
      w.byte(93);
      break;
  }
  w.text(`${tail(a)}}`);
  fits();
}

/** Throws ZTSDB_LIMIT once the writer holds more than the budget has left. */
function budgetCheck(w: JsonWriter, budget: QueryBudget | undefined): () => void {
  const room = budget?.remaining ?? Infinity;
  return () => {
    if (w.pos > room) {
      w.reset();
      throw budget!.exceeded(`an answer of more than ${room} bytes of JSON`);
    }
  };
}

function copyOut(w: JsonWriter): Buffer {
  const out = Buffer.allocUnsafe(w.pos); // not zero-filled: every byte is copied over
  w.buf.copy(out, 0, 0, w.pos);
  return out;
}

/**
 * The answer as UTF-8 JSON bytes (a copy, owned by the caller). With a
 * budget, an answer that grows past the bytes it has left stops with
 * ZTSDB_LIMIT (checked after each slice of points).
 */
export function answerJsonBuffer(a: QueryAnswer, budget?: QueryBudget): Buffer {
  const w = shared;
  w.reset();
  for (const _ of writeAnswer(w, a, budgetCheck(w, budget)));
  return copyOut(w);
}

/**
 * As answerJsonBuffer, pausing when the clock says so: a large answer takes
 * hundreds of milliseconds to write, which the event loop must not wait for.
 * Its own writer, since other answers are written during the pauses.
 */
export async function answerJsonBufferAsync(
  a: QueryAnswer,
  budget: QueryBudget,
  clock: QueryClock,
): Promise<Buffer> {
  const w = new JsonWriter();
  for (const _ of writeAnswer(w, a, budgetCheck(w, budget))) if (clock.due()) await clock.pause();
  return copyOut(w);
}

/** The answer as JSON text (the same over HTTP and NATS). */
export function answerJson(a: QueryAnswer, budget?: QueryBudget): string {
  return answerJsonBuffer(a, budget).toString('utf8');
}
