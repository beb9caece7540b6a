import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { NatsServer, tempDir, writeCredsSetup, writeTestCertificates } from '@ztsdb/testing';
import { connectWithRetry, natsAnswers } from './connect';
import { natsAuthOptions, redactUrl, splitUrlCredentials } from './nats-auth';

describe('NATS URLs with credentials', () => {
  it('takes user and password (or a token) out of the URL', () => {
    expect(splitUrlCredentials('nats://u:p%40ss@h:4222')).toEqual({
      url: 'nats://h:4222',
      user: 'u',
      pass: 'p@ss',
    });
    expect(splitUrlCredentials('tls://tok@h:4222')).toEqual({ url: 'tls://h:4222', user: 'tok' });
    expect(splitUrlCredentials('nats://h:4222')).toEqual({ url: 'nats://h:4222' });
  });

  it('prints a URL without its password or token', () => {
    expect(redactUrl('nats://u:secret@h:4222')).toBe('nats://u:***@h:4222');
    expect(redactUrl('nats://secret-token@h:4222')).toBe('nats://***@h:4222');
    expect(redactUrl('nats://h:4222')).toBe('nats://h:4222');
  });

  it('uses the settings before the URL, and TLS when asked', () => {
    const o = natsAuthOptions('nats://u:p@h:1', { NATS_TOKEN: 't', NATS_INBOX_PREFIX: '_INBOX_x' });
    expect(o.servers).toEqual(['nats://h:1']);
    expect(o.authenticator).toBeDefined();
    expect(o.inboxPrefix).toBe('_INBOX_x');
    expect(o.tls).toBeUndefined();
    expect(natsAuthOptions('nats://h:1', { NATS_TLS_CA: '/ca.pem' }).tls).toEqual({
      caFile: '/ca.pem',
    });
    expect(natsAuthOptions('nats://h:1').authenticator).toBeUndefined();
  });

  it('gives the client every server of a comma-separated list, credentials taken out of each', () => {
    const o = natsAuthOptions(' nats://u:p@a:1 , nats://b:2,nats://u:p@c:3 ');
    expect(o.servers).toEqual(['nats://a:1', 'nats://b:2', 'nats://c:3']);
    expect(o.authenticator).toBeDefined();
    expect(natsAuthOptions('nats://a:1,tls://b:2').tls).toEqual({});
    expect(natsAuthOptions('nats://a:1,nats://b:2').authenticator).toBeUndefined();
    expect(redactUrl('nats://u:secret@a:1, nats://tok@b:2,nats://c:3')).toBe(
      'nats://u:***@a:1,nats://***@b:2,nats://c:3',
    );
  });
});

/** A server with the given configuration text; the test's connections must authenticate to it. */
async function serverWith(dir: string, conf: string): Promise<NatsServer> {
  const file = join(dir, `server-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(file, conf);
  return NatsServer.start({ configFile: file });
}

describe('connecting to servers that ask for credentials', () => {
  const dir = tempDir('ztsdb-nats-auth-');
  const servers: NatsServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    dir.remove();
  });

  async function expectConnects(url: string, auth: Parameters<typeof natsAuthOptions>[1]) {
    const nc = await connectWithRetry({ url, name: 'auth-spec', auth, initialTimeoutMs: 3000 });
    await nc.flush();
    await nc.close();
  }

  async function expectRefused(url: string, auth: Parameters<typeof natsAuthOptions>[1]) {
    const t0 = Date.now();
    const err = (await connectWithRetry({
      url,
      name: 'auth-spec',
      auth,
      initialTimeoutMs: 20_000,
    }).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/refused the credentials/);
    // Refused credentials end the attempt at once instead of retrying until the deadline.
    expect(Date.now() - t0).toBeLessThan(10_000);
    return err.message;
  }

  it('user and password, from the settings or the URL (D6)', async () => {
    const s = await serverWith(
      dir.path,
      'authorization { users: [ { user: "svc", password: "s3cret-pass" } ] }',
    );
    servers.push(s);
    await expectConnects(s.url, { NATS_USER: 'svc', NATS_PASSWORD: 's3cret-pass' });
    await expectConnects(`nats://svc:s3cret-pass@127.0.0.1:${s.port}`, {});
    // As the services pass their settings: every one that is not set is ''.
    const unset = {
      NATS_USER: '',
      NATS_PASSWORD: '',
      NATS_TOKEN: '',
      NATS_NKEY_SEED: '',
      NATS_CREDS: '',
    };
    await expectConnects(`nats://svc:s3cret-pass@127.0.0.1:${s.port}`, unset);
    const msg = await expectRefused(`nats://svc:wrong-pass-123@127.0.0.1:${s.port}`, {});
    expect(msg).not.toContain('wrong-pass-123');
    expect(msg).toContain(`nats://svc:***@127.0.0.1:${s.port}`);
    // The server is there, even if it refuses us: `ztsdb all` must not start another one on its port.
    expect(await natsAnswers(s.url)).toBe(true);
  });

  it('a token', async () => {
    const s = await serverWith(dir.path, 'authorization { token: "tok-0123456789" }');
    servers.push(s);
    await expectConnects(s.url, { NATS_TOKEN: 'tok-0123456789' });
    await expectConnects(`nats://tok-0123456789@127.0.0.1:${s.port}`, {});
    const msg = await expectRefused(s.url, { NATS_TOKEN: 'tok-wrong-98765' });
    expect(msg).not.toContain('tok-wrong-98765');
  });

  it('an nkey seed', async () => {
    const kp = createUser();
    const s = await serverWith(
      dir.path,
      `authorization { users: [ { nkey: "${kp.getPublicKey()}" } ] }`,
    );
    servers.push(s);
    const seed = new TextDecoder().decode(kp.getSeed());
    await expectConnects(s.url, { NATS_NKEY_SEED: seed });
    const msg = await expectRefused(s.url, {
      NATS_NKEY_SEED: new TextDecoder().decode(createUser().getSeed()),
    });
    expect(msg).not.toContain(seed);
  });

  it('a creds file (user JWT and seed)', async () => {
    const setup = writeCredsSetup(dir.path);
    const s = await serverWith(dir.path, setup.serverConf);
    servers.push(s);
    await expectConnects(s.url, { NATS_CREDS: setup.credsFile });
    await expectRefused(s.url, { NATS_USER: 'nobody', NATS_PASSWORD: 'nothing' });
  });

  it('TLS with a CA, and a client certificate when the server verifies clients', async () => {
    const certs = writeTestCertificates(dir.path);
    const s = await serverWith(
      dir.path,
      `tls { cert_file: "${certs.serverCert}", key_file: "${certs.serverKey}", ca_file: "${certs.ca}", verify: true }`,
    );
    servers.push(s);
    await expectConnects(s.url, {
      NATS_TLS_CA: certs.ca,
      NATS_TLS_CERT: certs.clientCert,
      NATS_TLS_KEY: certs.clientKey,
    });
    await expect(
      connectWithRetry({ url: s.url, name: 'no-ca', initialTimeoutMs: 500 }),
    ).rejects.toThrow(/NATS at/);
  });
});
