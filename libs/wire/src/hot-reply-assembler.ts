import { decodeHotReplyPart, type HotReply, type SeriesPoints } from './hot-reply';
import { WireDecodeError, WIRE_ERROR_CODES } from './errors';

/**
 * Gathers the messages of one hot reply (docs/format/hot-reply.md) in any
 * order and joins the pieces of series split across parts. `add` throws a
 * WireDecodeError for a message that is damaged or does not belong (other
 * partition, other part count, a part seen twice); `complete` tells when every
 * part is in, `missingParts` which are not.
 */
export class HotReplyAssembler {
  private readonly got = new Map<number, SeriesPoints[]>();
  private parts: number | undefined;

  constructor(readonly partition: number) {}

  /** Adds one message; true once every part of the reply is in. */
  add(message: Uint8Array): boolean {
    const p = decodeHotReplyPart(message);
    if (p.partition !== this.partition) {
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireMismatch,
        `hot reply for partition ${p.partition} received for partition ${this.partition}`,
        { offset: 6 },
      );
    }
    if (this.parts !== undefined && p.parts !== this.parts) {
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireMismatch,
        `hot reply part claims ${p.parts} parts; earlier parts claimed ${this.parts}`,
        { offset: 14 },
      );
    }
    if (this.got.has(p.part))
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wireMismatch,
        `hot reply part ${p.part + 1} of ${p.parts} received twice`,
        { offset: 12 },
      );
    this.parts = p.parts;
    this.got.set(p.part, p.series);
    return this.complete;
  }

  get received(): number {
    return this.got.size;
  }

  /** Part count announced by the first message, undefined before it. */
  get expected(): number | undefined {
    return this.parts;
  }

  get complete(): boolean {
    return this.parts !== undefined && this.got.size === this.parts;
  }

  /** Indexes (from 0) of the parts not received yet; empty before the first message too. */
  missingParts(): number[] {
    const out: number[] = [];
    if (this.parts === undefined) return out;
    for (let i = 0; i < this.parts; i++) if (!this.got.has(i)) out.push(i);
    return out;
  }

  /** The whole reply; only when complete. Pieces of one series are joined in part order. */
  result(): HotReply {
    if (!this.complete) {
      throw new WireDecodeError(
        WIRE_ERROR_CODES.wirePartial,
        `hot reply incomplete: ${this.got.size} of ${this.parts ?? '?'} parts received`,
      );
    }
    const pieces = new Map<bigint, SeriesPoints[]>();
    for (let i = 0; i < this.parts!; i++) {
      for (const s of this.got.get(i)!) {
        const l = pieces.get(s.id);
        if (l) l.push(s);
        else pieces.set(s.id, [s]);
      }
    }
    const series: SeriesPoints[] = [];
    for (const [id, l] of pieces) series.push(l.length === 1 ? l[0]! : join(id, l));
    return { partition: this.partition, series };
  }
}

function join(id: bigint, l: readonly SeriesPoints[]): SeriesPoints {
  let n = 0;
  for (const s of l) n += s.timestamps.length;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  let k = 0;
  for (const s of l) {
    timestamps.set(s.timestamps, k);
    values.set(s.values, k);
    k += s.timestamps.length;
  }
  return { id, timestamps, values };
}
