export { Settings, SettingsError, loadSettings } from './settings';
export {
  coldDirOf,
  CACHE_DIR,
  NATS_STORE_DIR,
  REGISTRY_SNAPSHOT_FILE,
  tierDirOf,
  walDirOf,
  warmDirOf,
} from '@ztsdb/config-lite';
export type { Tier } from '@ztsdb/config-lite';
export { CONFIG_ERROR_CODES } from './errors';
