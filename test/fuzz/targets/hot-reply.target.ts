import {
  HotReplyAssembler,
  decodeHotReply,
  decodeHotReplyPart,
  encodeHotReply,
  encodeHotReplyParts,
  type HotReply,
} from '@ztsdb/wire';
import { FuzzInput } from '../fuzz-input';
import { check, decodeOrTyped, sameFloats, type FuzzTarget } from '../fuzz-target';
import { withCrcLE } from './repair';

function checkReply(r: HotReply, length: number): void {
  let points = 0;
  for (const s of r.series) {
    check(s.timestamps.length === s.values.length, 'series columns differ in length');
    points += s.timestamps.length;
  }
  check(16 + r.series.length * 16 + points * 16 + 4 <= length, 'points not backed by the bytes');
}

function build(inp: FuzzInput): HotReply {
  const series = [];
  const k = inp.int(6);
  for (let s = 0; s < k; s++) {
    const n = inp.int(40);
    const ts = inp.timestamps(n);
    const vs = ts.map(() => inp.value());
    series.push({
      id: inp.u64() % 5n,
      timestamps: new Float64Array(ts),
      values: new Float64Array(vs),
    });
  }
  return { partition: inp.u16(), series };
}

function sameReply(a: HotReply, b: HotReply): boolean {
  // Pieces of one id join in order; compare per id.
  const flat = (r: HotReply) => {
    const m = new Map<bigint, { t: number[]; v: number[] }>();
    for (const s of r.series) {
      const e = m.get(s.id) ?? { t: [], v: [] };
      e.t.push(...s.timestamps);
      e.v.push(...s.values);
      m.set(s.id, e);
    }
    return m;
  };
  const fa = flat(a);
  const fb = flat(b);
  if (a.partition !== b.partition || fa.size !== fb.size) return false;
  for (const [id, e] of fa) {
    const o = fb.get(id);
    if (!o || !sameFloats(e.t, o.t) || !sameFloats(e.v, o.v)) return false;
  }
  return true;
}

function roundTrip(data: Uint8Array): void {
  const inp = new FuzzInput(data);
  const reply = build(inp);
  const one = decodeHotReply(encodeHotReply(reply));
  check(sameReply(reply, one), 'single-message reply does not round-trip');
  const maxBytes = 52 + inp.int(600);
  const parts = encodeHotReplyParts(reply, maxBytes);
  check(
    parts.every((p) => p.length <= maxBytes || parts.length === 1),
    'a part exceeds maxBytes',
  );
  const asm = new HotReplyAssembler(reply.partition);
  // Parts may arrive in any order.
  const shift = inp.u8();
  const order = parts.map((_, i) => (i + shift) % parts.length);
  if (shift & 1) order.reverse();
  for (const i of order) asm.add(parts[i]!);
  check(asm.complete, 'assembler incomplete after every part');
  check(sameReply(reply, asm.result()), 'reply in parts does not round-trip');
}

export const hotReplyTarget: FuzzTarget = {
  name: 'hot-reply',
  description: 'libs/wire decodeHotReply / decodeHotReplyPart / HotReplyAssembler',
  run(data) {
    for (const msg of [data, withCrcLE(data, data.length - 4, 0)]) {
      const part = decodeOrTyped('decodeHotReplyPart', () => decodeHotReplyPart(msg));
      if (part) {
        checkReply(part, msg.length);
        check(part.part < part.parts, 'part index not below the part count');
      }
      decodeOrTyped('decodeHotReply', () => decodeHotReply(msg));
      // The same message twice, then as a part of another reply: typed errors only.
      const asm = new HotReplyAssembler(part?.partition ?? 0);
      decodeOrTyped('HotReplyAssembler.add', () => asm.add(msg));
      decodeOrTyped('HotReplyAssembler.add (again)', () => asm.add(msg));
      const r = decodeOrTyped('HotReplyAssembler.result', () => asm.result());
      if (r) checkReply(r, msg.length);
      asm.missingParts();
    }
    roundTrip(data);
  },
  seeds() {
    const t0 = 1_700_000_000_000;
    const reply: HotReply = {
      partition: 2,
      series: [
        { id: 1n, timestamps: new Float64Array([t0, t0 + 1000]), values: new Float64Array([1, 2]) },
        { id: 9n, timestamps: new Float64Array(0), values: new Float64Array(0) },
      ],
    };
    return [
      encodeHotReply({ partition: 0, series: [] }),
      encodeHotReply(reply),
      ...encodeHotReplyParts(reply, 52),
      new Uint8Array(20),
    ];
  },
};
