export { EbpfSource } from './ebpf-source';
export type { EbpfSourceOptions } from './ebpf-source';
export { CgroupSandbox } from './cgroup-sandbox';
export type { SandboxContainer } from './cgroup-sandbox';
export { EBPF_SOURCE_ERROR_CODES } from './errors';
