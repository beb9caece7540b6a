import { NatsServer } from './nats-server';
import { waitFor } from './wait-for';

describe('NatsServer', () => {
  it('says on stderr when its process ends without the harness ending it, and not on stop', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const crashed = await NatsServer.start();
      process.kill(crashed.pid!, 'SIGKILL');
      await waitFor(async () => !crashed.running, 'the server to end', 10_000);
      await new Promise((r) => setImmediate(r));
      expect(written.join('')).toMatch(
        new RegExp(
          `nats-server on port ${crashed.port} \\(pid \\d+\\) exited by itself \\(SIGKILL\\)`,
        ),
      );
      await crashed.stop();

      written.length = 0;
      const stopped = await NatsServer.start();
      await stopped.restart();
      await stopped.halt('SIGKILL');
      await stopped.stop();
      expect(written.join('')).not.toMatch(/exited by itself/);
    } finally {
      spy.mockRestore();
    }
  });
});
