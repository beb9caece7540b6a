import { OutageLog } from './outage-log';

describe('OutageLog', () => {
  it('says the outage, then a line per interval with the next attempt, then its end', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const lines: string[] = [];
    const log = new OutageLog(
      'nats://h:4222',
      (m) => lines.push(`W ${m}`),
      (m) => lines.push(`I ${m}`),
      250,
      5000,
      () => t,
    );
    log.disconnected();
    for (let i = 0; i < 40; i++) {
      log.attempt();
      t += 250;
    }
    log.reconnected();
    expect(lines).toEqual([
      'W disconnected from nats://h:4222; reconnecting every 250 ms',
      'W NATS at nats://h:4222 unreachable for 0.0 s (attempt 1); next attempt at 2026-01-01T00:00:00.250Z',
      'W NATS at nats://h:4222 unreachable for 5.0 s (attempt 21); next attempt at 2026-01-01T00:00:05.250Z',
      'I reconnected to nats://h:4222 after 40 attempts in 10.0 s',
    ]);
  });

  it('names the server of a cluster list that went away and the one it reached', () => {
    const lines: string[] = [];
    const log = new OutageLog(
      'nats://a:1,nats://b:2',
      (m) => lines.push(m),
      (m) => lines.push(m),
      250,
    );
    log.disconnected('a:1');
    log.reconnected('b:2');
    expect(lines).toEqual([
      'disconnected from a:1 (NATS_URL nats://a:1,nats://b:2); reconnecting every 250 ms',
      expect.stringMatching(
        /^reconnected to b:2 \(NATS_URL nats:\/\/a:1,nats:\/\/b:2\) after 0 attempts/,
      ),
    ]);
  });
});
