import { check, libbpf, type Ptr } from './libbpf';
import { LibbpfError } from './errors';

const ENOENT = 2;
const ENOSPC = 28;
const EINVAL = 22;
const EOPNOTSUPP = 95;
const ENOTSUPP = 524;

/** bpf_map_update_elem flags. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

/** enum bpf_map_type values of the per-CPU kinds. */
const PERCPU_TYPES = new Set([
  5 /* PERCPU_HASH */, 6 /* PERCPU_ARRAY */, 10 /* LRU_PERCPU_HASH */,
  21 /* PERCPU_CGROUP_STORAGE */,
]);

/** Every entry of a map, keys and values each packed back to back. */
export interface MapDump {
  count: number;
  /** count × keySize bytes. */
  keys: Buffer;
  /** count × valueBytes bytes (per-CPU maps: valueStride bytes per possible CPU). */
  values: Buffer;
}

/** Upper bound of one batch's value buffer, whatever the CPU count. */
const BATCH_VALUE_BYTES = 4 << 20;

/**
 * A map of a loaded BpfObject, accessed through its fd. For per-CPU maps a
 * value is `valueStride` (value size rounded up to 8) bytes for each possible
 * CPU, CPU 0 first — the layout the kernel reads and writes.
 */
export class BpfMap {
  readonly fd: number;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly perCpu: boolean;
  readonly valueStride: number;
  /** Bytes of one value as user space sees it. */
  readonly valueBytes: number;
  /** null: not tried yet; false: the kernel lacks batch lookup for this map. */
  private batchSupported: boolean | null = null;

  constructor(
    ptr: Ptr,
    readonly name: string,
    readonly possibleCpus: number,
  ) {
    const lib = libbpf();
    this.fd = check('bpf_map__fd', lib.bpf_map__fd([ptr]), name);
    this.type = lib.bpf_map__type([ptr]);
    this.keySize = lib.bpf_map__key_size([ptr]);
    this.valueSize = lib.bpf_map__value_size([ptr]);
    this.maxEntries = lib.bpf_map__max_entries([ptr]);
    this.perCpu = PERCPU_TYPES.has(this.type);
    this.valueStride = this.perCpu ? (this.valueSize + 7) & ~7 : this.valueSize;
    this.valueBytes = this.perCpu ? this.valueStride * possibleCpus : this.valueSize;
  }

  /** The value under `key`, or undefined when absent. */
  lookup(key: Buffer): Buffer | undefined {
    this.checkKey(key);
    const value = Buffer.alloc(this.valueBytes);
    const ret = libbpf().bpf_map_lookup_elem([this.fd, key, value]);
    if (ret === -ENOENT) return undefined;
    check('bpf_map_lookup_elem', ret, this.name);
    return value;
  }

  update(key: Buffer, value: Buffer, flags = BPF_ANY): void {
    this.checkKey(key);
    if (value.length !== this.valueBytes) {
      throw new LibbpfError(
        'bpf_map_update_elem',
        EINVAL,
        `${this.name}: value is ${value.length} bytes, want ${this.valueBytes}`,
      );
    }
    check(
      'bpf_map_update_elem',
      libbpf().bpf_map_update_elem([this.fd, key, value, flags]),
      this.name,
    );
  }

  /** Deletes `key`; false when it was not there. */
  delete(key: Buffer): boolean {
    this.checkKey(key);
    const ret = libbpf().bpf_map_delete_elem([this.fd, key]);
    if (ret === -ENOENT) return false;
    check('bpf_map_delete_elem', ret, this.name);
    return true;
  }

  /**
   * Reads every entry: BPF_MAP_LOOKUP_BATCH where the kernel has it for this
   * map, else bpf_map_get_next_key + bpf_map_lookup_elem (`batch: false`
   * forces the latter). Entries changing meanwhile may be missed or seen twice
   * only on the fallback path.
   */
  dump(options: { batch?: boolean } = {}): MapDump {
    if (options.batch !== false && this.batchSupported !== false) {
      const res = this.dumpBatch();
      if (res) return res;
    }
    return this.dumpIterate();
  }

  private dumpBatch(): MapDump | undefined {
    const lib = libbpf();
    let chunk = Math.max(16, Math.min(1024, Math.floor(BATCH_VALUE_BYTES / this.valueBytes)));
    const keyParts: Buffer[] = [];
    const valueParts: Buffer[] = [];
    let total = 0;
    // Hash maps use a bucket index as the batch token; key size is always enough room.
    const tokenSize = Math.max(8, this.keySize);
    let inBatch: Buffer | undefined;
    const outBatch = Buffer.alloc(tokenSize);
    const countBuf = Buffer.alloc(4);
    for (;;) {
      const keys = Buffer.alloc(chunk * this.keySize);
      const values = Buffer.alloc(chunk * this.valueBytes);
      countBuf.writeUInt32LE(chunk, 0);
      const ret = inBatch
        ? lib.bpf_map_lookup_batch([this.fd, inBatch, outBatch, keys, values, countBuf, 0])
        : lib.bpf_map_lookup_batch_first([this.fd, 0, outBatch, keys, values, countBuf, 0]);
      if (ret < 0 && ret !== -ENOENT) {
        if (!inBatch && (ret === -ENOTSUPP || ret === -EOPNOTSUPP || ret === -EINVAL)) {
          this.batchSupported = false;
          return undefined;
        }
        if (ret === -ENOSPC && chunk < 1 << 16) {
          chunk *= 2; // one bucket holds more entries than the chunk: retry from the same token
          continue;
        }
        throw new LibbpfError('bpf_map_lookup_batch', -ret, this.name);
      }
      this.batchSupported = true;
      const n = countBuf.readUInt32LE(0);
      if (n > 0) {
        keyParts.push(keys.subarray(0, n * this.keySize));
        valueParts.push(values.subarray(0, n * this.valueBytes));
        total += n;
      }
      if (ret === -ENOENT) break;
      inBatch = Buffer.from(outBatch);
    }
    return { count: total, keys: Buffer.concat(keyParts), values: Buffer.concat(valueParts) };
  }

  private dumpIterate(): MapDump {
    const lib = libbpf();
    const keyParts: Buffer[] = [];
    const valueParts: Buffer[] = [];
    let prev: Buffer | undefined;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const ret = prev
        ? lib.bpf_map_get_next_key([this.fd, prev, next])
        : lib.bpf_map_get_next_key_first([this.fd, 0, next]);
      if (ret === -ENOENT) break;
      check('bpf_map_get_next_key', ret, this.name);
      const value = this.lookup(next);
      if (value) {
        keyParts.push(next);
        valueParts.push(value);
      }
      prev = next;
    }
    return {
      count: keyParts.length,
      keys: Buffer.concat(keyParts),
      values: Buffer.concat(valueParts),
    };
  }

  private checkKey(key: Buffer): void {
    if (key.length !== this.keySize) {
      throw new LibbpfError(
        'bpf_map',
        EINVAL,
        `${this.name}: key is ${key.length} bytes, want ${this.keySize}`,
      );
    }
  }
}
