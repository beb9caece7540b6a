import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** File name of the compiled programs (bpf/cgroupmon.bpf.o in the repository). */
export const OBJECT_FILE = 'cgroupmon.bpf.o';

/**
 * Where the compiled object is: $ZTSDB_BPF_OBJECT, else bpf/cgroupmon.bpf.o
 * found from this file (source tree or dist/) or the working directory.
 */
export function defaultObjectPath(): string {
  const env = process.env['ZTSDB_BPF_OBJECT'];
  if (env) return env;
  const candidates = [
    resolve(__dirname, '../../../bpf', OBJECT_FILE), // libs/ebpf/src
    resolve(__dirname, '../../../../bpf', OBJECT_FILE), // dist/libs/ebpf/src
    resolve(process.cwd(), 'bpf', OBJECT_FILE),
  ];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}
