import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../support/ztsdb-process';

// `docker-compose config` parses and validates the file without a Docker engine.
describe('docker-compose.yml', () => {
  it('is valid and runs the four services, two ingestors and query on 9280', () => {
    const out = execFileSync('docker-compose', ['config'], { cwd: REPO_ROOT, encoding: 'utf8' });
    for (const s of ['nats:', 'collector:', 'ingestor:', 'compactor:', 'query:'])
      expect(out).toContain(`  ${s}`);
    expect(out).toMatch(/replicas: 2/);
    expect(out).toMatch(/published: "?9280"?|127\.0\.0\.1:9280:9280/);
    expect(out).toMatch(/privileged: true/);
    expect(out).toMatch(/pid: host/);
  });
});
