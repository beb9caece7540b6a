export { RegistrySnapshotCorruptError, REGISTRY_ERROR_CODES } from './errors';
export {
  readRegistrySnapshot,
  writeRegistrySnapshot,
  REGISTRY_SNAPSHOT_FILE,
} from './registry-snapshot';
