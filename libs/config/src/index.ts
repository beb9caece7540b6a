export { Settings, SettingsError, loadSettings } from './settings';
export { SECRET_SETTINGS, securityProblems } from './security-settings';
export type { SecuritySettings } from './security-settings';
