import { ZtsdbError } from '@ztsdb/errors';

/**
 * One decoder under test. `run` feeds it one input and throws FuzzViolation
 * when the property breaks: the decoder must either return a valid value or
 * throw the project's own typed error (ZtsdbError and its subclasses), never a
 * RangeError/TypeError, and where an encoder exists decode(encode(x)) == x.
 * `seeds` builds the seed corpus from the encoders plus edge cases.
 */
export interface FuzzTarget {
  readonly name: string;
  readonly description: string;
  /** run() returns a promise (real I/O): the built-in engine only, not Jazzer's sync mode. */
  readonly async?: boolean;
  run(data: Uint8Array): void | Promise<void>;
  seeds(): Uint8Array[];
  /** Removes what the target made (temp dirs, LMDB environments). */
  close?(): void | Promise<void>;
}

/** The property broke: the message says how; `cause` is what the decoder threw. */
export class FuzzViolation extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuzzViolation';
  }
}

/**
 * Runs one decoding step: its value, or undefined when it threw a typed
 * project error. Anything else thrown is a violation.
 */
export function decodeOrTyped<T>(what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ZtsdbError) return undefined;
    throw violation(what, err);
  }
}

/** As decodeOrTyped, for async steps. */
export async function decodeOrTypedAsync<T>(
  what: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ZtsdbError) return undefined;
    throw violation(what, err);
  }
}

function violation(what: string, err: unknown): FuzzViolation {
  const e = err as Error;
  return new FuzzViolation(
    `${what} threw ${e?.name ?? typeof err} (not a ZtsdbError): ${e?.message ?? String(err)}`,
    { cause: err },
  );
}

/** Fails the run with `message` unless `ok`. */
export function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new FuzzViolation(message);
}

/** Bitwise equality of two float arrays (NaN payloads and -0 included). */
export function sameFloats(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  const x = new Float64Array(1);
  const y = new Float64Array(1);
  const xb = new BigUint64Array(x.buffer);
  const yb = new BigUint64Array(y.buffer);
  for (let i = 0; i < a.length; i++) {
    x[0] = a[i]!;
    y[0] = b[i]!;
    if (xb[0] !== yb[0]) return false;
  }
  return true;
}

/**
 * Equality of two float arrays where every NaN equals every NaN (a NaN read
 * into a plain number may come back quieted) and -0 differs from 0.
 */
export function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
