export { durationFromText, intFromText, quickSettings } from './quick-settings';
export { NATS_URL_LIST, SETTING_RULES } from './setting-rules';
export type { SettingRule } from './setting-rules';
export { SECRET_SETTINGS, securityProblems } from './security-settings';
export type { SecuritySettings } from './security-settings';
