export { RegistrySnapshotCorruptError, REGISTRY_ERROR_CODES } from './errors';
export { readRegistrySnapshot, writeRegistrySnapshot } from './registry-snapshot';
