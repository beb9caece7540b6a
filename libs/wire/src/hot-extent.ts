import { WIRE_ERROR_CODES, WireDecodeError } from './errors';

/** Version of the hot extent message (docs/format/hot-extent.md). */
export const HOT_EXTENT_VERSION = 1;

/**
 * What a partition's owner announces on `ztsdb.hot.extent.p.<n>`: the range of timestamps its
 * hot points may have (every point a hot request would return lies in [minT, maxT]; the range
 * may be wider than what is held), or that it holds nothing (minT > maxT), or that it stopped
 * serving the partition. Each message is the owner's whole extent, not a change to an earlier one.
 */
export interface HotExtent {
  partition: number;
  /** The owner's member id. */
  owner: string;
  /** Random per takeover: a new owner, or the same member owning the partition again, differs. */
  instance: string;
  /** 1, 2, … per instance, in the order the owner published. */
  seq: number;
  state: 'serving' | 'stopped';
  minT: number;
  maxT: number;
}

/** An extent that holds nothing: disjoint from every range. */
export const EMPTY_EXTENT = { minT: Infinity, maxT: -Infinity } as const;

export function encodeHotExtent(e: HotExtent): Uint8Array {
  const empty = !(e.minT <= e.maxT);
  return Buffer.from(
    JSON.stringify({
      v: HOT_EXTENT_VERSION,
      p: e.partition,
      owner: e.owner,
      instance: e.instance,
      seq: e.seq,
      state: e.state,
      minT: empty ? null : e.minT,
      maxT: empty ? null : e.maxT,
    }),
  );
}

const bad = (why: string): WireDecodeError =>
  new WireDecodeError(WIRE_ERROR_CODES.wireBody, `hot extent message: ${why}`);

const isTime = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Decodes and checks a hot extent message; throws WireDecodeError with the reason. */
export function decodeHotExtent(data: Uint8Array): HotExtent {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    throw bad('not JSON');
  }
  if (typeof o !== 'object' || o === null) throw bad('not an object');
  if (o.v !== HOT_EXTENT_VERSION)
    throw new WireDecodeError(
      WIRE_ERROR_CODES.wireVersion,
      `hot extent message: version ${JSON.stringify(o.v)}, this reader knows ${HOT_EXTENT_VERSION}`,
    );
  const { p, owner, instance, seq, state, minT, maxT } = o;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0) throw bad('"p" is not a partition');
  if (typeof owner !== 'string' || owner === '') throw bad('"owner" is not a member id');
  if (typeof instance !== 'string' || instance === '') throw bad('"instance" is missing');
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1)
    throw bad('"seq" is not a positive integer');
  if (state !== 'serving' && state !== 'stopped')
    throw bad(`unknown state ${JSON.stringify(state)}`);
  const out: HotExtent = {
    partition: p,
    owner,
    instance,
    seq,
    state,
    minT: EMPTY_EXTENT.minT,
    maxT: EMPTY_EXTENT.maxT,
  };
  if (minT === null && maxT === null) return out;
  if (!isTime(minT) || !isTime(maxT) || minT > maxT)
    throw bad('"minT" and "maxT" must both be null or times with minT ≤ maxT');
  out.minT = minT;
  out.maxT = maxT;
  return out;
}
