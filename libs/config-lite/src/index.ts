export { durationFromText, intFromText, quickSettings } from './quick-settings';
export { NATS_URL_LIST, SETTING_RULES } from './setting-rules';
export type { SettingRule } from './setting-rules';
export { SECRET_SETTINGS, securityProblems } from './security-settings';
export type { SecuritySettings } from './security-settings';
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
