import { execFileSync } from 'node:child_process';
import { tempDir } from '@ztsdb/testing';
import { envOf, writeNatsConfig } from '../security/nats-users';
import { REPO_ROOT } from '../support/ztsdb-process';

// `docker-compose config` parses and validates the file without a Docker engine.
describe('docker-compose.yml', () => {
  // The compose file reads the output of `ztsdb nats-config` (ZTSDB_NATS_CONFIG_DIR).
  const natsConfig = tempDir('ztsdb-compose-nats-');
  afterAll(() => natsConfig.remove());

  // Each `docker-compose` run takes seconds: the file is resolved once for every test.
  let resolved: string | undefined;
  const config = (): string => {
    if (resolved === undefined) {
      writeNatsConfig(natsConfig.path);
      resolved = execFileSync('docker-compose', ['config'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, ZTSDB_NATS_CONFIG_DIR: natsConfig.path },
      });
    }
    return resolved;
  };

  interface Service {
    command?: string[];
    environment?: Record<string, string>;
    healthcheck?: { test?: string[] };
    depends_on?: Record<string, { condition?: string }>;
    ports?: Array<{ published?: string | number; target?: number } | string>;
    volumes?: Array<Volume | string>;
  }
  interface Volume {
    type: string;
    source?: string;
    target: string;
  }
  /** A volume in the long form (Compose v2 prints it so; v1 prints `source:target:mode` or `target`). */
  const long = (v: Volume | string): Volume => {
    if (typeof v !== 'string') return v;
    const [a, b] = v.split(':');
    if (b === undefined) return { type: 'volume', target: a! };
    return { type: /^[./~]/.test(a!) ? 'bind' : 'volume', source: a, target: b };
  };
  /**
   * The resolved file as data: Compose v2 prints JSON itself; Compose v1 (a
   * Python program, as CI installs it) has no --format, so its YAML is read
   * with the PyYAML it runs on.
   */
  let data: { services: Record<string, Service> } | undefined;
  const parsed = (): { services: Record<string, Service> } => {
    const out = config();
    try {
      data ??= JSON.parse(
        execFileSync('docker-compose', ['config', '--format', 'json'], {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          env: { ...process.env, ZTSDB_NATS_CONFIG_DIR: natsConfig.path },
          stdio: ['ignore', 'pipe', 'ignore'],
        }),
      );
    } catch {
      data = JSON.parse(
        execFileSync(
          'python3',
          ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'],
          { input: out, encoding: 'utf8' },
        ),
      );
    }
    return data!;
  };
  const SCALED = ['ingestor', 'compactor', 'query'];
  const NATS_NODES = ['nats1', 'nats2', 'nats3'];

  it('is valid and runs the four services on a 3-node NATS cluster with 3 replicas', () => {
    const { services } = parsed();
    expect(Object.keys(services).sort()).toEqual(
      ['collector', 'compactor', 'ingestor', 'query', ...NATS_NODES].sort(),
    );
    for (const n of NATS_NODES) {
      const cmd = services[n]!.command!;
      expect(cmd[cmd.indexOf('--name') + 1]).toBe(n);
      expect(cmd[cmd.indexOf('--cluster_name') + 1]).toBe('ztsdb');
      expect(cmd[cmd.indexOf('--routes') + 1]).toBe(
        'nats://nats1:6222,nats://nats2:6222,nats://nats3:6222',
      );
      expect(services[n]!.healthcheck!.test!.join(' ')).toContain('8222/healthz');
    }
    for (const s of ['collector', ...SCALED]) {
      const env = services[s]!.environment!;
      expect(String(env.ZTSDB_REPLICAS)).toBe('3');
      expect(env.NATS_URL!.split(',')).toHaveLength(3);
    }
    expect(services.ingestor!.environment!.NATS_URL).toBe(
      'nats://nats1:4222,nats://nats2:4222,nats://nats3:4222',
    );
    // The collector (host network) reaches the nodes on their published loopback ports.
    expect(services.collector!.environment!.NATS_URL).toBe(
      'nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224',
    );
    const out = config();
    expect(out).toMatch(/privileged: true/);
    expect(out).toMatch(/pid: host/);
    // Every service's /metrics, /healthz and /readyz on its own address.
    expect(out).toContain('ZTSDB_COLLECTOR_HTTP_ADDR: 127.0.0.1:9291');
    expect(out).toContain('ZTSDB_INGESTOR_HTTP_ADDR: 0.0.0.0:9282');
    expect(out).toContain('ZTSDB_COMPACTOR_HTTP_ADDR: 0.0.0.0:9283');
    expect(services.query!.environment!.ZTSDB_HTTP_ADDR).toBe('0.0.0.0:9280');
  });

  it('health-checks every service on /readyz and starts it once the NATS nodes are healthy', () => {
    const { services } = parsed();
    const ports = { collector: 9291, ingestor: 9282, compactor: 9283, query: 9280 };
    for (const [s, port] of Object.entries(ports)) {
      expect(services[s]!.healthcheck!.test!.join(' ')).toContain(`127.0.0.1:${port}/readyz`);
      for (const n of NATS_NODES)
        expect(services[s]!.depends_on![n]!.condition).toBe('service_healthy');
    }
  });

  it('scales with --scale ingestor=3 --scale query=2: no fixed host port, no shared volume', () => {
    const { services } = parsed();
    // A scaled service publishes no port, or a range (one port per replica).
    for (const s of SCALED)
      for (const p of services[s]!.ports ?? []) {
        const published = typeof p === 'string' ? p.split(':').slice(-2)[0] : p.published;
        expect(String(published)).toMatch(/^\d+-\d+$/);
      }
    expect(JSON.stringify(services.query!.ports)).toContain('9280-9289');
    // Each container has its own /data: an anonymous volume in a scaled service (a
    // named one would be shared by its replicas), and no named volume in two services.
    const users = new Map<string, string[]>();
    for (const [name, svc] of Object.entries(services)) {
      const volumes = (svc.volumes ?? []).map(long);
      const data = volumes.filter((v) => v.target === '/data');
      expect([name, data]).toEqual([name, [expect.anything()]]);
      if (SCALED.includes(name)) expect(data[0]!.type).toBe('volume');
      if (SCALED.includes(name)) expect(data[0]!.source).toBeUndefined();
      for (const v of volumes)
        if (v.type === 'volume' && v.source)
          users.set(v.source, [...(users.get(v.source) ?? []), name]);
    }
    for (const [volume, by] of users) expect([volume, by]).toEqual([volume, [by[0]]]);
    expect(users.size).toBe(4); // the three NATS stores and the collector's
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
