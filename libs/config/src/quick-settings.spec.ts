import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { quickSettings, SETTING_RULES, type SettingRule } from '@ztsdb/config-lite';
import { tempDir } from '@ztsdb/testing';
import { loadSettings, Settings } from './settings';

/** What loadSettings gives for `env`: the settings, or undefined when it refuses them. */
function full(env: NodeJS.ProcessEnv): Settings | undefined {
  try {
    return loadSettings(env);
  } catch {
    return undefined;
  }
}

/** The rule `Settings`' decorators stand for, read from the two libraries' metadata. */
function ruleOfDecorators(name: string): Omit<SettingRule, 'default'> {
  const rule: Omit<SettingRule, 'default'> = {};
  const transforms = defaultMetadataStorage.findTransformMetadatas(Settings, name, 1);
  for (const t of transforms) {
    const fn = t.transformFn.name;
    if (fn === 'toInt') rule.from = 'int';
    else if (fn === 'toDuration') rule.from = 'duration';
    else throw new Error(`${name}: transform ${fn} has no rule`);
  }
  for (const m of getMetadataStorage().getTargetValidationMetadatas(Settings, '', true, false)) {
    if (m.propertyName !== name) continue;
    const c = m.constraints as unknown[] | undefined;
    switch (m.name) {
      case 'isString':
        rule.string = true;
        break;
      case 'isInt':
        rule.int = true;
        break;
      case 'min':
        rule.min = c![0] as number;
        break;
      case 'max':
        rule.max = c![0] as number;
        break;
      case 'isIn':
        rule.oneOf = c![0] as Array<string | number>;
        break;
      case 'matches':
        if (c![1]) throw new Error(`${name}: pattern modifiers have no rule`);
        rule.pattern = c![0] as RegExp;
        break;
      case 'isOptional':
        rule.optional = true;
        break;
      default:
        throw new Error(`${name}: decorator ${m.name} has no rule`);
    }
  }
  return rule;
}

/** Texts worth trying on a setting: its bounds and choices, and the usual mistakes. */
function candidates(rule: SettingRule): string[] {
  const out = [
    '',
    ' ',
    '0',
    '1',
    '-1',
    ' 7 ',
    '007',
    '5.5',
    '1e3',
    '0x10',
    '30s',
    '1.5h',
    '500ms',
    '30d',
    'abc',
    'on',
    'off',
    'auto',
    'json',
    'debug',
    '2',
    '3',
    '4',
    'nats://a:1',
    ' nats://a:1 , tls://b:2 ',
    'nats://u:p@a:1',
    'http://a:1',
    'host:80',
    'host:99999',
    'host:',
    '_INBOX_x',
    'a.b',
    'a.*',
    '0,2',
    'x y',
    'ab-C_9',
    '99999999999999999999',
    String(2 ** 53),
  ];
  for (const b of [rule.min, rule.max])
    if (b !== undefined) out.push(String(b - 1), String(b), String(b + 1), `${b}ms`);
  for (const v of rule.oneOf ?? []) out.push(String(v), ` ${v}`);
  return out;
}

describe('quickSettings (the import command, without class-validator)', () => {
  it('has a rule for every setting, with its default and its decorators', () => {
    const defaults = new Settings();
    expect(Object.keys(SETTING_RULES)).toEqual(Object.keys(defaults));
    for (const [name, rule] of Object.entries(SETTING_RULES)) {
      const { default: value, ...checks } = rule;
      expect([name, value]).toEqual([name, defaults[name as keyof Settings]]);
      expect([name, checks]).toEqual([name, ruleOfDecorators(name)]);
    }
  });

  it('gives the settings loadSettings gives, and nothing when loadSettings refuses them', () => {
    const agree = (env: NodeJS.ProcessEnv): void => {
      const want = full(env);
      const got = quickSettings(env) as Settings | undefined;
      const what = JSON.stringify(env);
      if (want === undefined) expect([what, got]).toEqual([what, undefined]);
      else {
        expect([what, got]).toEqual([what, { ...want }]);
        expect([what, got!.httpHost, got!.httpPort]).toEqual([what, want.httpHost, want.httpPort]);
      }
    };
    agree({});
    for (const [name, rule] of Object.entries(SETTING_RULES))
      for (const text of candidates(rule)) agree({ [name]: text });
  });

  it('leaves the security checks and the port bound to loadSettings', () => {
    const dir = tempDir('ztsdb-quick-settings-');
    const creds = join(dir.path, 'user.creds');
    writeFileSync(creds, 'x');
    expect(quickSettings({ NATS_CREDS: creds })).toBeDefined();
    for (const env of [
      { NATS_CREDS: join(dir.path, 'missing.creds') },
      { NATS_USER: 'u' },
      { NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TOKEN: 't' },
      { NATS_TLS_CERT: creds },
      { ZTSDB_HTTP_TOKEN: 'short' },
      { ZTSDB_HTTP_ADDR: '127.0.0.1:70000' },
    ]) {
      expect(full(env)).toBeUndefined();
      expect(quickSettings(env)).toBeUndefined();
    }
    dir.remove();
  });

  it('agrees with loadSettings on environments of several settings', () => {
    const env = {
      NATS_URL: 'nats://127.0.0.1:4333',
      ZTSDB_PARTITIONS: '4',
      ZTSDB_RETENTION: '36500d',
      ZTSDB_COMPACT_INTERVAL: '1s',
      ZTSDB_WARM_GRACE: '1s',
      ZTSDB_QUERY_MAX_SERIES: '20000',
      ZTSDB_QUERY_TIMEOUT_MS: '60000',
      ZTSDB_LOG_LEVEL: 'info',
      ZTSDB_HTTP_ADDR: '127.0.0.1:9999',
      ZTSDB_DATA_DIR: '/tmp/x',
      ZTSDB_SAMPLE_BATCH_VERSION: '2',
      ZTSDB_CGROUP_ROOT: '/sys/fs/cgroup',
      UNRELATED: 'x',
    };
    expect(quickSettings(env)).toEqual({ ...loadSettings(env) });
    expect(quickSettings({ ...env, ZTSDB_WARM_GRACE: 'soon' })).toBeUndefined();
  });
});
