import { parseLenientDurationMs } from '@ztsdb/model';
import { securityProblems, type SecuritySettings } from './security-settings';
import { SETTING_RULES, type SettingRule } from './setting-rules';

// class-validator and class-transformer take about a third of a CPU-second to load, more than
// a short command's own work: `ztsdb import` checks its environment with the table instead and
// asks libs/config's `loadSettings` only when something is wrong, so every error is still
// that one's, word for word.

/** A whole number from its text: digits (and a sign) only, else the text as it is (for the check to refuse). */
export function intFromText(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

/** Milliseconds from a duration's text (parseLenientDurationMs), else the text as it is. */
export function durationFromText(value: unknown): unknown {
  return typeof value === 'string' ? (parseLenientDurationMs(value) ?? value) : value;
}

/** As class-validator judges the decorators the rule stands for. */
function passes(rule: SettingRule, v: unknown): boolean {
  if (rule.optional && (v === undefined || v === null)) return true;
  if (rule.string && typeof v !== 'string') return false;
  if (rule.pattern && !(typeof v === 'string' && rule.pattern.test(v))) return false;
  if (rule.int && !(typeof v === 'number' && Number.isInteger(v))) return false;
  if (rule.min !== undefined && !(typeof v === 'number' && v >= rule.min)) return false;
  if (rule.max !== undefined && !(typeof v === 'number' && v <= rule.max)) return false;
  if (rule.oneOf && !rule.oneOf.some((x) => x === v)) return false;
  return true;
}

/** The settings' values with `Settings`' two getters. */
class CheckedSettings {
  [name: string]: unknown;

  get httpHost(): string {
    const a = this.ZTSDB_HTTP_ADDR as string;
    return a.slice(0, a.lastIndexOf(':'));
  }

  get httpPort(): number {
    const a = this.ZTSDB_HTTP_ADDR as string;
    return Number(a.slice(a.lastIndexOf(':') + 1));
  }
}

/**
 * The settings of `env` as libs/config's `loadSettings` reads them (absent or empty variables
 * keep their default), when every one of them is valid; `undefined` when any is not (or the
 * security or port checks object), for `loadSettings` to say why. The caller types the result
 * as `Settings`: the spec holds the two equal over every setting.
 */
export function quickSettings(env: NodeJS.ProcessEnv = process.env): object | undefined {
  const out = new CheckedSettings();
  for (const name of Object.keys(SETTING_RULES)) {
    const rule = SETTING_RULES[name]!;
    const text = env[name];
    let v: unknown = text !== undefined && text !== '' ? text : rule.default;
    if (rule.from === 'int') v = intFromText(v);
    else if (rule.from === 'duration') v = durationFromText(v);
    if (!passes(rule, v)) return undefined;
    out[name] = v;
  }
  if (securityProblems(out as unknown as SecuritySettings).length > 0) return undefined;
  if (out.httpPort > 65535) return undefined;
  return out;
}
