import { CgroupParseError } from './errors';

/*
 * Pure parsers of cgroup file contents. Each takes the text and the file's path (for
 * the error) and throws CgroupParseError on anything the kernel would not write.
 * Counters beyond 2^53 lose their lowest bits in a double, which rates do not notice.
 */

const UINT = /^[0-9]+$/;

function uint(text: string, file: string, what: string): number {
  if (!UINT.test(text))
    throw new CgroupParseError(
      file,
      `${what}: expected an unsigned integer, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  return Number(text);
}

/** A file holding one unsigned integer and a newline: memory.current, memory.usage_in_bytes, cpuacct.usage. */
export function parseSingleUint(content: string, file: string): number {
  return uint(content.trim(), file, 'value');
}

/** `usage_usec` of a v2 cpu.stat (present in every v2 cgroup, with or without the cpu controller). */
export function parseCpuStatUsageUsec(content: string, file: string): number {
  for (const line of content.split('\n')) {
    if (line.length === 0) continue;
    const sp = line.indexOf(' ');
    if (sp <= 0)
      throw new CgroupParseError(
        file,
        `line without a value: ${JSON.stringify(line.slice(0, 40))}`,
      );
    if (line.slice(0, sp) === 'usage_usec') return uint(line.slice(sp + 1), file, 'usage_usec');
  }
  throw new CgroupParseError(file, 'no usage_usec line');
}

/**
 * One key of a flat-keyed file (`memory.stat`: `key value` lines); undefined when the
 * key is absent. Used for `inactive_file` (v2) and `total_inactive_file` (v1).
 */
export function parseFlatKey(content: string, file: string, key: string): number | undefined {
  for (const line of content.split('\n')) {
    if (line.length === 0) continue;
    const sp = line.indexOf(' ');
    if (sp <= 0)
      throw new CgroupParseError(
        file,
        `line without a value: ${JSON.stringify(line.slice(0, 40))}`,
      );
    if (line.slice(0, sp) === key) return uint(line.slice(sp + 1), file, key);
  }
  return undefined;
}

/** Column offsets of block I/O totals written by parseIoStat and parseBlkio*. */
export const IO_READ_BYTES = 0;
export const IO_WRITE_BYTES = 1;
export const IO_READ_OPS = 2;
export const IO_WRITE_OPS = 3;

/**
 * v2 io.stat: `MAJ:MIN rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…` per device.
 * Writes rbytes, wbytes, rios, wios summed over devices at out[offset + IO_*].
 * An empty file (no I/O yet) gives zeros.
 */
export function parseIoStat(content: string, file: string, out: Float64Array, offset = 0): void {
  let rb = 0;
  let wb = 0;
  let ro = 0;
  let wo = 0;
  for (const line of content.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    if (!/^[0-9]+:[0-9]+$/.test(fields[0]!))
      throw new CgroupParseError(
        file,
        `line does not start with a device: ${JSON.stringify(line.slice(0, 40))}`,
      );
    for (let i = 1; i < fields.length; i++) {
      const f = fields[i]!;
      if (f.length === 0) continue;
      const eq = f.indexOf('=');
      if (eq <= 0)
        throw new CgroupParseError(
          file,
          `field is not key=value: ${JSON.stringify(f.slice(0, 40))}`,
        );
      const key = f.slice(0, eq);
      // Other keys (dbytes, dios, cost.*, latency stats) may be any number format; skip them unparsed.
      if (key === 'rbytes') rb += uint(f.slice(eq + 1), file, key);
      else if (key === 'wbytes') wb += uint(f.slice(eq + 1), file, key);
      else if (key === 'rios') ro += uint(f.slice(eq + 1), file, key);
      else if (key === 'wios') wo += uint(f.slice(eq + 1), file, key);
    }
  }
  out[offset + IO_READ_BYTES] = rb;
  out[offset + IO_WRITE_BYTES] = wb;
  out[offset + IO_READ_OPS] = ro;
  out[offset + IO_WRITE_OPS] = wo;
}

/**
 * v1 blkio `…io_service_bytes…` / `…io_serviced…` files: `MAJ:MIN Read|Write|Sync|Async|Discard|Total N`
 * per device and a closing `Total N`. Writes the Read and Write sums over devices at
 * out[offset] and out[offset + 1].
 */
export function parseBlkioReadWrite(
  content: string,
  file: string,
  out: Float64Array,
  offset = 0,
): void {
  let read = 0;
  let write = 0;
  for (const line of content.split('\n')) {
    if (line.length === 0) continue;
    const fields = line.split(' ');
    if (fields.length === 2 && fields[0] === 'Total') {
      uint(fields[1]!, file, 'Total');
      continue;
    }
    if (fields.length !== 3 || !/^[0-9]+:[0-9]+$/.test(fields[0]!)) {
      throw new CgroupParseError(
        file,
        `expected "MAJ:MIN Op value", got ${JSON.stringify(line.slice(0, 40))}`,
      );
    }
    const value = uint(fields[2]!, file, fields[1]!);
    if (fields[1] === 'Read') read += value;
    else if (fields[1] === 'Write') write += value;
  }
  out[offset] = read;
  out[offset + 1] = write;
}

/** `populated` of a v2 cgroup.events: true while any process lives in the cgroup or below. */
export function parseCgroupPopulated(content: string, file: string): boolean {
  for (const line of content.split('\n')) {
    if (line.startsWith('populated ')) {
      const v = line.slice('populated '.length);
      if (v === '0') return false;
      if (v === '1') return true;
      throw new CgroupParseError(file, `populated is ${JSON.stringify(v.slice(0, 40))}`);
    }
  }
  throw new CgroupParseError(file, 'no populated line');
}
