export {
  CgroupParseError,
  CgroupReadError,
  CgroupRootError,
  DockerApiError,
} from './cgroup-errors';
export { parseMountinfo } from './mountinfo';
export type { MountEntry } from './mountinfo';
export { resolveCgroupLayout, v1PathOf, V1_CONTROLLERS } from './cgroup-layout';
export type { CgroupLayout, CgroupLayoutOptions, V1Controller } from './cgroup-layout';
export { matchContainerDir, podUidOf, shortIdOf } from './container-patterns';
export type { ContainerMatch } from './container-patterns';
export { ContainerDetector, containerKey } from './container-detector';
export type { DetectedContainer, ScanResult, ContainerDetectorOptions } from './container-detector';
export {
  parseSingleUint,
  parseCpuStatUsageUsec,
  parseFlatKey,
  parseIoStat,
  parseBlkioReadWrite,
  parseCgroupPopulated,
  IO_READ_BYTES,
  IO_WRITE_BYTES,
  IO_READ_OPS,
  IO_WRITE_OPS,
} from './cgroup-parsers';
export {
  resolveCgroupFiles,
  readCgroupCounters,
  COUNTER_CPU_NS,
  COUNTER_MEMORY_BYTES,
  COUNTER_READ_BYTES,
  COUNTER_WRITE_BYTES,
  COUNTER_READ_OPS,
  COUNTER_WRITE_OPS,
  COUNTER_COUNT,
  COUNTER_METRICS,
} from './cgroup-files';
export type { CgroupFiles, BlockIoFiles } from './cgroup-files';
export { RateCalculator, CPU_NS_TO_PERCENT, cpuPercent } from './rate-calculator';
export type { CounterKind, RateCalculatorOptions, RateKey } from './rate-calculator';
export { DockerMetadataClient, metadataFromInspect } from './docker-metadata-client';
export type { ContainerMetadata, DockerMetadataOptions } from './docker-metadata-client';
export { containerInfoOf, applyMetadata, wantsDockerMetadata } from './container-info';
export { CgroupWatcher } from './cgroup-watcher';
export type { CgroupWatcherOptions } from './cgroup-watcher';
export { ContainerTracker } from './container-tracker';
export type {
  TrackedContainer,
  ContainerTrackerHooks,
  ContainerTrackerOptions,
} from './container-tracker';
export { CgroupfsSource } from './cgroupfs-source';
export type { CgroupfsSourceOptions } from './cgroupfs-source';
export { discoveryLayout, trackerOptions } from './discovery-options';
export type { DiscoveryOptions } from './discovery-options';
export { CriMetadataClient, metadataFromCriStatus } from './cri-metadata-client';
export type { CriMetadataOptions } from './cri-metadata-client';
export { RuntimeMetadata, DEFAULT_SOCKETS } from './runtime-metadata';
export type { MetadataLookup, RuntimeMetadataOptions } from './runtime-metadata';
