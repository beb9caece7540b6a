import {
  arrayConstructor,
  createPointer,
  DataType,
  freePointer,
  PointerType,
  unwrapPointer,
  type JsExternal,
} from 'ffi-rs';
import { BpfMap } from './bpf-map';
import { BpfProgram } from './bpf-program';
import { check, checkPtr, libbpf, orUndefined, type Ptr } from './libbpf';
import { LibbpfError } from './errors';

/** A BPF ELF object opened with libbpf: open → load → find maps/programs → close. */
export class BpfObject {
  private ptr: Ptr | undefined;
  private loaded = false;
  private readonly maps = new Map<string, BpfMap>();
  /** Native copy of the ELF bytes for open_mem; libbpf reads it until load. */
  private memory: { pointer: JsExternal[]; type: ReturnType<typeof arrayConstructor> } | undefined;
  readonly possibleCpus: number;

  private constructor(
    ptr: Ptr,
    readonly source: string,
  ) {
    this.ptr = ptr;
    this.possibleCpus = possibleCpus();
  }

  /** bpf_object__open_file. */
  static openFile(path: string): BpfObject {
    const res = libbpf().bpf_object__open_file([path, 0]);
    return new BpfObject(checkPtr('bpf_object__open_file', res, path), path);
  }

  /** bpf_object__open_mem over a native copy of `bytes` (kept until close). */
  static openBytes(bytes: Uint8Array, name = 'memory'): BpfObject {
    const type = arrayConstructor({ type: DataType.U8Array, length: bytes.length });
    const pointer = createPointer({
      paramsType: [type],
      paramsValue: [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)],
    });
    const inner = unwrapPointer(pointer)[0]!;
    const res = libbpf().bpf_object__open_mem([inner, bytes.length, 0]);
    let ptr: Ptr;
    try {
      ptr = checkPtr('bpf_object__open_mem', res, name);
    } catch (err) {
      freePointer({ paramsType: [type], paramsValue: pointer, pointerType: PointerType.RsPointer });
      throw err;
    }
    const obj = new BpfObject(ptr, name);
    obj.memory = { pointer, type };
    return obj;
  }

  /** bpf_object__load: CO-RE relocation, map creation, verification of every program. */
  load(): void {
    const ptr = this.live('bpf_object__load');
    check('bpf_object__load', libbpf().bpf_object__load([ptr]), this.source);
    this.loaded = true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** The map called `name` (after load); throws LibbpfError ENOENT when absent. */
  map(name: string): BpfMap {
    const ptr = this.live('bpf_object__find_map_by_name');
    const cached = this.maps.get(name);
    if (cached) return cached;
    if (!this.loaded)
      throw new LibbpfError('bpf_map__fd', 22, `${name}: object ${this.source} not loaded`);
    const mapPtr = orUndefined(libbpf().bpf_object__find_map_by_name([ptr, name]));
    if (!mapPtr)
      throw new LibbpfError('bpf_object__find_map_by_name', 2, `${name} in ${this.source}`);
    const map = new BpfMap(mapPtr, name, this.possibleCpus);
    this.maps.set(name, map);
    return map;
  }

  /** The program whose C function is `name`; throws LibbpfError ENOENT when absent. */
  program(name: string): BpfProgram {
    const ptr = this.live('bpf_object__find_program_by_name');
    const progPtr = orUndefined(libbpf().bpf_object__find_program_by_name([ptr, name]));
    if (!progPtr)
      throw new LibbpfError('bpf_object__find_program_by_name', 2, `${name} in ${this.source}`);
    return wrapProgram(progPtr);
  }

  /** Every program, in ELF order. */
  programs(): BpfProgram[] {
    const ptr = this.live('bpf_object__next_program');
    const lib = libbpf();
    const out: BpfProgram[] = [];
    let prog = orUndefined(lib.bpf_object__next_program_first([ptr, 0]));
    while (prog) {
      out.push(wrapProgram(prog));
      prog = orUndefined(lib.bpf_object__next_program([ptr, prog]));
    }
    return out;
  }

  /** bpf_object__close: frees programs and maps (links hold their own references). Idempotent. */
  close(): void {
    const ptr = this.ptr;
    if (!ptr) return;
    this.ptr = undefined;
    this.maps.clear();
    libbpf().bpf_object__close([ptr]);
    if (this.memory) {
      freePointer({
        paramsType: [this.memory.type],
        paramsValue: this.memory.pointer,
        pointerType: PointerType.RsPointer,
      });
      this.memory = undefined;
    }
  }

  private live(call: string): Ptr {
    if (!this.ptr) throw new LibbpfError(call, 9 /* EBADF */, `object ${this.source} is closed`);
    return this.ptr;
  }
}

function wrapProgram(ptr: Ptr): BpfProgram {
  const lib = libbpf();
  return new BpfProgram(ptr, lib.bpf_program__name([ptr]), lib.bpf_program__section_name([ptr]));
}

let cpus: number | undefined;

/** libbpf_num_possible_cpus(): the per-CPU value count of per-CPU maps. */
export function possibleCpus(): number {
  if (cpus === undefined)
    cpus = check('libbpf_num_possible_cpus', libbpf().libbpf_num_possible_cpus([]));
  return cpus;
}
