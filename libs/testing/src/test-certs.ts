import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/**
 * A throw-away CA and a server and a client certificate signed by it (for
 * 127.0.0.1 and localhost), made with the openssl command into `dir`.
 */
export function writeTestCertificates(dir: string): TestCertificates {
  const ssl = (...args: string[]): void =>
    void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=ztsdb-test-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${who}`,
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
    );
    writeFileSync(join(dir, `${who}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${who}.ext`,
      '-out',
      `${who}.pem`,
    );
  }
  const p = (f: string): string => join(dir, f);
  return {
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
  };
}
