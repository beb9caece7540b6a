import { DataType, isNullPointer, load, open, type JsExternal } from 'ffi-rs';
import { LibbpfError } from './errors';

/** An opaque libbpf pointer (struct bpf_object *, bpf_program *, bpf_map *, bpf_link *). */
export type Ptr = JsExternal;

/** A call that returns a pointer and reports failure as NULL + errno. */
export interface PtrResult {
  value: Ptr;
  errnoCode: number;
}

/**
 * The libbpf.so.1 functions the binding uses, with C types spelled out.
 * A NULL pointer argument is passed as an I64 0, hence the `*Null` variants.
 */
export interface Libbpf {
  bpf_object__open_file(args: [path: string, opts: 0]): PtrResult;
  bpf_object__open_mem(args: [buf: Ptr, size: number, opts: 0]): PtrResult;
  bpf_object__load(args: [obj: Ptr]): number;
  bpf_object__close(args: [obj: Ptr]): undefined;
  bpf_object__find_map_by_name(args: [obj: Ptr, name: string]): Ptr;
  bpf_object__find_program_by_name(args: [obj: Ptr, name: string]): Ptr;
  bpf_object__next_program_first(args: [obj: Ptr, prev: 0]): Ptr;
  bpf_object__next_program(args: [obj: Ptr, prev: Ptr]): Ptr;
  bpf_program__name(args: [prog: Ptr]): string;
  bpf_program__section_name(args: [prog: Ptr]): string;
  bpf_program__fd(args: [prog: Ptr]): number;
  bpf_program__attach(args: [prog: Ptr]): PtrResult;
  bpf_program__attach_tracepoint(args: [prog: Ptr, category: string, name: string]): PtrResult;
  bpf_program__attach_cgroup(args: [prog: Ptr, cgroupFd: number]): PtrResult;
  bpf_link__destroy(args: [link: Ptr]): number;
  bpf_link__fd(args: [link: Ptr]): number;
  bpf_map__fd(args: [map: Ptr]): number;
  bpf_map__key_size(args: [map: Ptr]): number;
  bpf_map__value_size(args: [map: Ptr]): number;
  bpf_map__max_entries(args: [map: Ptr]): number;
  bpf_map__type(args: [map: Ptr]): number;
  bpf_map_lookup_elem(args: [fd: number, key: Buffer, value: Buffer]): number;
  bpf_map_update_elem(args: [fd: number, key: Buffer, value: Buffer, flags: number]): number;
  bpf_map_delete_elem(args: [fd: number, key: Buffer]): number;
  bpf_map_get_next_key_first(args: [fd: number, key: 0, next: Buffer]): number;
  bpf_map_get_next_key(args: [fd: number, key: Buffer, next: Buffer]): number;
  bpf_map_lookup_batch_first(
    args: [
      fd: number,
      inBatch: 0,
      outBatch: Buffer,
      keys: Buffer,
      values: Buffer,
      count: Buffer,
      opts: 0,
    ],
  ): number;
  bpf_map_lookup_batch(
    args: [
      fd: number,
      inBatch: Buffer,
      outBatch: Buffer,
      keys: Buffer,
      values: Buffer,
      count: Buffer,
      opts: 0,
    ],
  ): number;
  bpf_obj_get_info_by_fd(args: [fd: number, info: Buffer, infoLen: Buffer]): number;
  bpf_enable_stats(args: [type: number]): number;
  bpf_prog_query(
    args: [
      targetFd: number,
      type: number,
      queryFlags: number,
      attachFlags: Buffer,
      progIds: Buffer,
      progCnt: Buffer,
    ],
  ): number;
  libbpf_num_possible_cpus(args: []): number;
  libbpf_major_version(args: []): number;
  libbpf_minor_version(args: []): number;
  libbpf_set_print_null(args: [fn: 0]): Ptr;
  libbpf_set_print(args: [fn: Ptr]): Ptr;
}

const LIB = 'ztsdb_libbpf';
const P = DataType.External;
const I32 = DataType.I32;
const NUL = DataType.I64;
const BUF = DataType.U8Array;
const STR = DataType.String;

interface Spec {
  retType: DataType;
  paramsType: DataType[];
  errno: boolean;
  funcName?: string;
}

function spec(retType: DataType, paramsType: DataType[], errno = false, funcName?: string): Spec {
  return { retType, paramsType, errno, ...(funcName ? { funcName } : {}) };
}

const SPECS: Record<string, Spec> = {
  bpf_object__open_file: spec(P, [STR, NUL], true),
  bpf_object__open_mem: spec(P, [P, DataType.U64, NUL], true),
  bpf_object__load: spec(I32, [P]),
  bpf_object__close: spec(DataType.Void, [P]),
  bpf_object__find_map_by_name: spec(P, [P, STR]),
  bpf_object__find_program_by_name: spec(P, [P, STR]),
  bpf_object__next_program_first: spec(P, [P, NUL], false, 'bpf_object__next_program'),
  bpf_object__next_program: spec(P, [P, P]),
  bpf_program__name: spec(STR, [P]),
  bpf_program__section_name: spec(STR, [P]),
  bpf_program__fd: spec(I32, [P]),
  bpf_program__attach: spec(P, [P], true),
  bpf_program__attach_tracepoint: spec(P, [P, STR, STR], true),
  bpf_program__attach_cgroup: spec(P, [P, I32], true),
  bpf_link__destroy: spec(I32, [P]),
  bpf_link__fd: spec(I32, [P]),
  bpf_map__fd: spec(I32, [P]),
  bpf_map__key_size: spec(DataType.U32, [P]),
  bpf_map__value_size: spec(DataType.U32, [P]),
  bpf_map__max_entries: spec(DataType.U32, [P]),
  bpf_map__type: spec(I32, [P]),
  bpf_map_lookup_elem: spec(I32, [I32, BUF, BUF]),
  bpf_map_update_elem: spec(I32, [I32, BUF, BUF, DataType.U64]),
  bpf_map_delete_elem: spec(I32, [I32, BUF]),
  bpf_map_get_next_key_first: spec(I32, [I32, NUL, BUF], false, 'bpf_map_get_next_key'),
  bpf_map_get_next_key: spec(I32, [I32, BUF, BUF]),
  bpf_map_lookup_batch_first: spec(
    I32,
    [I32, NUL, BUF, BUF, BUF, BUF, NUL],
    false,
    'bpf_map_lookup_batch',
  ),
  bpf_map_lookup_batch: spec(I32, [I32, BUF, BUF, BUF, BUF, BUF, NUL]),
  bpf_obj_get_info_by_fd: spec(I32, [I32, BUF, BUF]),
  bpf_enable_stats: spec(I32, [I32]),
  bpf_prog_query: spec(I32, [I32, I32, DataType.U32, BUF, BUF, BUF]),
  libbpf_num_possible_cpus: spec(I32, []),
  libbpf_major_version: spec(DataType.U32, []),
  libbpf_minor_version: spec(DataType.U32, []),
  libbpf_set_print_null: spec(P, [NUL], false, 'libbpf_set_print'),
  libbpf_set_print: spec(P, [P]),
};

/** Where libbpf is looked for; LD_LIBRARY_PATH and the loader cache apply. */
export const LIBBPF_SONAME = 'libbpf.so.1';

/** Like ffi-rs `define`, but a spec may name its C function (the `*_first`/`*_null` variants). */
function bind(specs: Record<string, Spec>): Record<string, (args: unknown[]) => unknown> {
  const out: Record<string, (args: unknown[]) => unknown> = {};
  for (const [key, s] of Object.entries(specs)) {
    const base = {
      library: LIB,
      funcName: s.funcName ?? key,
      retType: s.retType,
      paramsType: s.paramsType,
    };
    out[key] = s.errno
      ? (paramsValue) => load({ ...base, paramsValue, errno: true } as never)
      : (paramsValue) => load({ ...base, paramsValue } as never);
  }
  return out;
}

let bound: Libbpf | undefined;
let loadError: LibbpfError | undefined;

/**
 * The bound libbpf, opened on first use. Throws LibbpfError (call `dlopen`)
 * when libbpf.so.1 cannot be loaded; the failure is remembered.
 */
export function libbpf(): Libbpf {
  if (bound) return bound;
  if (loadError) throw loadError;
  try {
    open({ library: LIB, path: LIBBPF_SONAME });
    bound = bind(SPECS) as unknown as Libbpf;
    return bound;
  } catch (err) {
    loadError = new LibbpfError(
      'dlopen',
      2,
      `${LIBBPF_SONAME}: ${(err as Error).message}`,
      {},
      { cause: err },
    );
    throw loadError;
  }
}

/** `major.minor` of the loaded libbpf. */
export function libbpfVersion(): string {
  const lib = libbpf();
  return `${lib.libbpf_major_version([])}.${lib.libbpf_minor_version([])}`;
}

/** Throws LibbpfError for a libbpf int return below zero (libbpf returns -errno). */
export function check(call: string, ret: number, detail?: string): number {
  if (ret < 0) throw new LibbpfError(call, -ret, detail);
  return ret;
}

/** Throws LibbpfError for a NULL pointer result, with the errno the call left. */
export function checkPtr(call: string, res: PtrResult, detail?: string): Ptr {
  if (isNullPointer(res.value)) throw new LibbpfError(call, res.errnoCode || 22, detail);
  return res.value;
}

/** A possibly-NULL pointer result without errno: undefined for NULL. */
export function orUndefined(ptr: Ptr): Ptr | undefined {
  return isNullPointer(ptr) ? undefined : ptr;
}

let savedPrint: Ptr | undefined;

/**
 * libbpf prints warnings (and verifier logs of failed loads) to stderr by
 * default. `false` silences it, `true` restores the previous printer.
 */
export function setLibbpfLogging(enabled: boolean): void {
  const lib = libbpf();
  if (!enabled) {
    if (savedPrint === undefined) savedPrint = lib.libbpf_set_print_null([0]);
  } else if (savedPrint !== undefined) {
    lib.libbpf_set_print([savedPrint]);
    savedPrint = undefined;
  }
}
