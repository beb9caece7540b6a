export { Settings, SettingsError, loadSettings } from './settings';
export { parseDurationMs } from './settings';
