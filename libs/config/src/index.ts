export { Settings, SettingsError, loadSettings } from './settings';
export {
  coldDirOf,
  NATS_STORE_DIR,
  REGISTRY_SNAPSHOT_FILE,
  tierDirOf,
  TIERS,
  walDirOf,
  warmDirOf,
} from './data-dir';
export type { Tier } from './data-dir';
export { SECRET_SETTINGS, securityProblems } from './security-settings';
export type { SecuritySettings } from './security-settings';
export { CONFIG_ERROR_CODES } from './errors';
