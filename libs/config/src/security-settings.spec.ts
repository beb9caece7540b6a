import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@ztsdb/testing';
import { loadSettings, SettingsError } from './settings';

const SEED = 'SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY';

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadSettings(env);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('security settings', () => {
  const dir = tempDir('ztsdb-security-settings-');
  afterAll(() => dir.remove());

  it('are off by default', () => {
    const s = loadSettings({});
    expect([s.NATS_USER, s.NATS_PASSWORD, s.NATS_TOKEN, s.NATS_CREDS, s.ZTSDB_HTTP_TOKEN]).toEqual([
      '',
      '',
      '',
      '',
      '',
    ]);
    expect(s.NATS_INBOX_PREFIX).toBe('_INBOX');
  });

  it('accept one way of authenticating with files that exist', () => {
    const ca = join(dir.path, 'ca.pem');
    writeFileSync(ca, 'x');
    const s = loadSettings({ NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TLS_CA: ca });
    expect(s.NATS_USER).toBe('u');
    expect(loadSettings({ NATS_NKEY_SEED: SEED }).NATS_NKEY_SEED).toBe(SEED);
  });

  it('name the file that is missing or unreadable', () => {
    expect(problems({ NATS_CREDS: '/nonexistent/user.creds' })).toMatch(
      /NATS_CREDS: \/nonexistent\/user\.creds does not exist/,
    );
    expect(problems({ NATS_TLS_CA: dir.path })).toMatch(/NATS_TLS_CA: .* is not a file/);
    if (process.getuid?.() !== 0) {
      const locked = join(dir.path, 'locked.pem');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0);
      expect(problems({ NATS_TLS_CA: locked })).toMatch(/is not readable/);
    }
  });

  it('refuse halves of pairs and two ways at once', () => {
    expect(problems({ NATS_USER: 'u' })).toMatch(/NATS_PASSWORD: must be set with NATS_USER/);
    expect(problems({ NATS_PASSWORD: 'p' })).toMatch(/NATS_USER: must be set/);
    expect(problems({ NATS_USER: 'u', NATS_PASSWORD: 'p', NATS_TOKEN: 't' })).toMatch(
      /only one way of authenticating, not NATS_USER\/NATS_PASSWORD and NATS_TOKEN/,
    );
    const cert = join(dir.path, 'cert.pem');
    writeFileSync(cert, 'x');
    expect(problems({ NATS_TLS_CERT: cert })).toMatch(/NATS_TLS_CERT and NATS_TLS_KEY/);
    expect(problems({ NATS_NKEY_SEED: 'UABC' })).toMatch(
      /NATS_NKEY_SEED: must be a user nkey seed/,
    );
    expect(problems({ NATS_INBOX_PREFIX: '_INBOX.>' })).toMatch(/NATS_INBOX_PREFIX/);
  });

  it('check the HTTP token and its file', () => {
    expect(problems({ ZTSDB_HTTP_TOKEN: 'short' })).toMatch(
      /ZTSDB_HTTP_TOKEN: must be at least 16/,
    );
    const empty = join(dir.path, 'empty-token');
    writeFileSync(empty, '\n');
    expect(problems({ ZTSDB_HTTP_TOKEN_FILE: empty })).toMatch(/must hold a token/);
    expect(problems({ ZTSDB_HTTP_TOKEN: 'a'.repeat(20), ZTSDB_HTTP_TOKEN_FILE: empty })).toMatch(
      /set one, not both/,
    );
    expect(problems({ ZTSDB_HTTP_TLS_KEY: empty })).toMatch(
      /ZTSDB_HTTP_TLS_CERT and ZTSDB_HTTP_TLS_KEY/,
    );
  });

  it('never print a secret, not even in a settings error', () => {
    const msg = problems({
      NATS_URL: 'http://admin:hunter2-secret@nats:4222',
      NATS_TOKEN: 'tok-secret-value',
      NATS_USER: 'u',
      NATS_PASSWORD: 'pw-secret-value',
      ZTSDB_HTTP_TOKEN: 'short-secret',
      ZTSDB_PARTITIONS: 'x',
    });
    expect(msg).toMatch(/NATS_URL="http:\/\/\*\*\*@nats:4222"/);
    for (const s of ['hunter2-secret', 'tok-secret-value', 'pw-secret-value', 'short-secret'])
      expect(msg).not.toContain(s);
    const bad = problems({ NATS_NKEY_SEED: 'SUsecretbutwrong' });
    expect(bad).not.toContain('SUsecretbutwrong');
  });
});
