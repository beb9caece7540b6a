import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccount, createOperator, createUser, type KeyPair } from '@nats-io/nkeys';

const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64url');

/** A NATS JWT (v2) with `claims`, issued and signed by `issuer`. */
function jwt(
  issuer: KeyPair,
  subject: string,
  name: string,
  nats: Record<string, unknown>,
): string {
  const claims: Record<string, unknown> = {
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name,
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url');
  const head = b64(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }));
  const body = b64(JSON.stringify(claims));
  return `${head}.${body}.${b64(issuer.sign(new TextEncoder().encode(`${head}.${body}`)))}`;
}

/**
 * An operator, an account and a user, as `nsc` would make them: the server
 * configuration that trusts them (operator mode, memory resolver) and the
 * user's creds file. For tests of creds-file authentication.
 */
export function writeCredsSetup(dir: string): { serverConf: string; credsFile: string } {
  const op = createOperator();
  const acc = createAccount();
  const sys = createAccount(); // JetStream in operator mode needs a system account
  const user = createUser();
  const opJwt = jwt(op, op.getPublicKey(), 'test-operator', { type: 'operator' });
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, conn: -1 };
  const accJwt = jwt(op, acc.getPublicKey(), 'test-account', {
    type: 'account',
    limits: { ...unlimited, wildcards: true, leaf: -1 },
  });
  const sysJwt = jwt(op, sys.getPublicKey(), 'SYS', { type: 'account', limits: unlimited });
  const userJwt = jwt(acc, user.getPublicKey(), 'test-user', {
    type: 'user',
    pub: {},
    sub: {},
    subs: -1,
    data: -1,
    payload: -1,
  });
  const credsFile = join(dir, 'test-user.creds');
  writeFileSync(
    credsFile,
    [
      '-----BEGIN NATS USER JWT-----',
      userJwt,
      '------END NATS USER JWT------',
      '',
      '-----BEGIN USER NKEY SEED-----',
      new TextDecoder().decode(user.getSeed()),
      '------END USER NKEY SEED------',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const serverConf = [
    `operator: ${JSON.stringify(opJwt)}`,
    'resolver: MEMORY',
    `system_account: ${JSON.stringify(sys.getPublicKey())}`,
    'resolver_preload: {',
    `  ${JSON.stringify(acc.getPublicKey())}: ${JSON.stringify(accJwt)}`,
    `  ${JSON.stringify(sys.getPublicKey())}: ${JSON.stringify(sysJwt)}`,
    '}',
  ].join('\n');
  return { serverConf, credsFile };
}
