import { createServer } from 'node:net';
import { ensureLocalNats, NatsUnavailableError } from './local-nats';

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('ztsdb all without a NATS server', () => {
  it('says what is missing without printing the password of NATS_URL', async () => {
    const url = `nats://svc:pw-in-the-url-123@127.0.0.1:${await freePort()}`;
    const logged: string[] = [];
    const err = await ensureLocalNats(url, '/nonexistent-data', '/nonexistent/nats-server', (m) =>
      logged.push(m),
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(NatsUnavailableError);
    expect((err as Error).message).toMatch(
      /no NATS server answers at nats:\/\/svc:\*\*\*@127\.0\.0\.1/,
    );
    expect((err as Error).message).not.toContain('pw-in-the-url-123');
    expect(logged.join('\n')).not.toContain('pw-in-the-url-123');
  });
});
