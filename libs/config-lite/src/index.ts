export { quickSettings } from './quick-settings';
export { SETTING_RULES } from './setting-rules';
export type { SettingRule } from './setting-rules';
export { SECRET_SETTINGS, securityProblems } from './security-settings';
export type { SecuritySettings } from './security-settings';
