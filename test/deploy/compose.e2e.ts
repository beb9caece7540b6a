import { execFileSync } from 'node:child_process';
import { tempDir } from '@ztsdb/testing';
import { envOf, writeNatsConfig } from '../security/nats-users';
import { REPO_ROOT } from '../support/ztsdb-process';

// `docker-compose config` parses and validates the file without a Docker engine.
describe('docker-compose.yml', () => {
  // The compose file reads the output of `ztsdb nats-config` (ZTSDB_NATS_CONFIG_DIR).
  const natsConfig = tempDir('ztsdb-compose-nats-');
  afterAll(() => natsConfig.remove());

  const config = (): string => {
    writeNatsConfig(natsConfig.path);
    return execFileSync('docker-compose', ['config'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, ZTSDB_NATS_CONFIG_DIR: natsConfig.path },
    });
  };

  it('is valid and runs the four services, two ingestors and query on 9280', () => {
    const out = config();
    for (const s of ['nats:', 'collector:', 'ingestor:', 'compactor:', 'query:'])
      expect(out).toContain(`  ${s}`);
    expect(out).toMatch(/replicas: 2/);
    expect(out).toMatch(/published: "?9280"?|127\.0\.0\.1:9280:9280/);
    expect(out).toMatch(/privileged: true/);
    expect(out).toMatch(/pid: host/);
    // Every service's /metrics, /healthz and /readyz on its own address.
    expect(out).toContain('ZTSDB_COLLECTOR_HTTP_ADDR: 127.0.0.1:9281');
    expect(out).toContain('ZTSDB_INGESTOR_HTTP_ADDR: 0.0.0.0:9282');
    expect(out).toContain('ZTSDB_COMPACTOR_HTTP_ADDR: 0.0.0.0:9283');
  });

  it('runs NATS with the nats-config configuration and each service as its own user', () => {
    const out = config();
    expect(out).toContain(`${natsConfig.path}/nats-server.conf:/etc/nats/nats-server.conf:ro`);
    expect(out).toMatch(/- -c\n\s+- \/etc\/nats\/nats-server\.conf/);
    for (const role of ['collector', 'ingestor', 'compactor', 'query'] as const) {
      expect(out).toContain(`NATS_USER: ztsdb-${role}`);
      expect(out).toContain(`NATS_PASSWORD: ${envOf(natsConfig.path, role).NATS_PASSWORD}`);
      expect(out).toContain(`NATS_INBOX_PREFIX: _INBOX_ztsdb-${role}`);
    }
  });
});
