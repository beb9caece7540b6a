export { Settings, SettingsError, loadSettings } from './settings';
export {
  coldDirOf,
  CACHE_DIR,
  NATS_STORE_DIR,
  REGISTRY_SNAPSHOT_FILE,
  tierDirOf,
  walDirOf,
  warmDirOf,
} from './data-dir';
export type { Tier } from './data-dir';
export { CONFIG_ERROR_CODES } from './errors';
