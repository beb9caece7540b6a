export { LibbpfError, EbpfUnavailableError, errnoName } from './errors';
export { libbpfVersion, setLibbpfLogging, LIBBPF_SONAME } from './libbpf';
export { BpfObject, possibleCpus } from './bpf-object';
export { BpfProgram } from './bpf-program';
export { BpfLink } from './bpf-link';
export { BpfMap, BPF_ANY, BPF_NOEXIST, BPF_EXIST } from './bpf-map';
export type { MapDump } from './bpf-map';
export {
  CGROUP_METRICS_FIELDS,
  CGROUP_METRICS_SIZE,
  TIMESTAMP_INDEX,
  sumPerCpu,
  toCounters,
  zeroPerCpu,
} from './cgroup-metrics';
export type { CgroupCounters, CgroupMetricsField } from './cgroup-metrics';
export {
  findCgroup2Root,
  cgroupId,
  isCgroup2Dir,
  canonicalCgroupPath,
  CGROUP2_SUPER_MAGIC,
} from './cgroup-fs';
export { ensureTracefs, tracefsPath, isTracefsMounted, TRACEFS_PATH } from './tracefs';
export { programStats, enableRunTimeStats, bpfStatsEnabled } from './program-stats';
export type { ProgramStats } from './program-stats';
export { probeEbpf, BTF_VMLINUX } from './probe';
export type { EbpfProbe, EbpfProblem } from './probe';
export { defaultObjectPath, OBJECT_FILE } from './object-path';
export { CgroupMonitor, CGROUPMON } from './cgroup-monitor';
export { cgroupSkbPrograms } from './cgroup-query';
export type { CgroupMonitorOptions } from './cgroup-monitor';
export { EBPF_ERROR_CODES } from './errors';
