export { CgroupParseError, CgroupReadError, CgroupRootError, DockerApiError } from './errors';
export { parseMountinfo } from './mountinfo';
export { resolveCgroupLayout, V1_CONTROLLERS } from './cgroup-layout';
export type { CgroupLayout, CgroupLayoutOptions } from './cgroup-layout';
export { ContainerDetector } from './container-detector';
export type { DetectedContainer, ContainerDetectorOptions } from './container-detector';
export {
  parseSingleUint,
  parseCpuStatUsageUsec,
  parseFlatKey,
  parseIoStat,
  parseBlkioReadWrite,
  parseCgroupPopulated,
} from './cgroup-parsers';
export {
  resolveCgroupFiles,
  readCgroupCounters,
  COUNTER_CPU_NS,
  COUNTER_COUNT,
  COUNTER_METRICS,
} from './cgroup-files';
export type { CgroupFiles } from './cgroup-files';
export { RateCalculator, CPU_NS_TO_PERCENT } from './rate-calculator';
export type { CounterKind, RateCalculatorOptions } from './rate-calculator';
export { ContainerTracker } from './container-tracker';
export type { TrackedContainer, ContainerTrackerOptions } from './container-tracker';
export { CgroupfsSource } from './cgroupfs-source';
export type { CgroupfsSourceOptions } from './cgroupfs-source';
export { discoveryLayout, trackerOptions } from './discovery-options';
export type { DiscoveryOptions } from './discovery-options';
export { CGROUP_ERROR_CODES } from './errors';
export { CriMetadataClient, metadataFromCriStatus } from './cri-metadata-client';
export type { CriMetadataOptions } from './cri-metadata-client';
export { RuntimeMetadata, DEFAULT_SOCKETS } from './runtime-metadata';
export type { MetadataLookup, RuntimeMetadataOptions } from './runtime-metadata';
