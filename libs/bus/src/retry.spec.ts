import { JetStreamApiError } from '@nats-io/jetstream';
import { connect, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { NatsServer } from '@ztsdb/testing';
import { ensureTopology, DEFAULT_TOPOLOGY } from './topology';
import { resolvePartitions } from './partitions';
import { noPeersForPlacement } from './replicas';
import { isTransientNatsError, RetryDeadlineError, withRetry, type RetryPolicy } from './retry';

/** A clock that only moves when the helper sleeps. */
function fakeClock(): RetryPolicy & { logs: string[]; slept: number[] } {
  let t = 1_000_000;
  const logs: string[] = [];
  const slept: number[] = [];
  return {
    deadlineMs: 10_000,
    logs,
    slept,
    log: (m) => logs.push(m),
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    random: () => 1,
  };
}

/** Fails with each of `errors` in turn, then answers `value`. */
function flaky<T>(errors: Error[], value: T): { fn: () => Promise<T>; calls: () => number } {
  let n = 0;
  return {
    fn: async () => {
      const e = errors[n++];
      if (e) throw e;
      return value;
    },
    calls: () => n,
  };
}

describe('withRetry', () => {
  it('retries transient failures with growing delays, logging what and when', async () => {
    const clock = fakeClock();
    const f = flaky([new TimeoutError(), new TimeoutError(), new TimeoutError()], 42);
    expect(await withRetry('reading partitions', f.fn, clock)).toBe(42);
    expect(f.calls()).toBe(4);
    expect(clock.slept).toEqual([200, 400, 800]);
    expect(clock.logs).toHaveLength(3);
    expect(clock.logs[0]).toMatch(
      /^reading partitions failed \(attempt 1: .*TIMEOUT.*\); retrying in 200 ms at 1970-01-01T00:16:40.200Z, until 1970-01-01T00:16:50.000Z$/i,
    );
  });

  it('gives up at once, with the last failure, when its caller stops (also in a wait)', async () => {
    const clock = fakeClock();
    let stopping = false;
    const always = async (): Promise<never> => {
      throw new TimeoutError();
    };
    // Stopped during the third wait (of 800 ms, polled every 100 ms): no fourth attempt.
    const sleep = clock.sleep!;
    const policy: RetryPolicy = {
      ...clock,
      deadlineMs: 60_000,
      stopped: () => stopping,
      sleep: async (ms) => {
        await sleep(ms);
        if (clock.slept.reduce((a, b) => a + b, 0) >= 200 + 400 + 300) stopping = true;
      },
    };
    let calls = 0;
    const e = await withRetry(
      'JetStream manager',
      () => {
        calls++;
        return always();
      },
      policy,
    ).catch((err: Error) => err);
    expect(e).toBeInstanceOf(TimeoutError);
    expect(calls).toBe(3);
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(200 + 400 + 300);
    // Already stopping: the first failure is thrown without a wait.
    const again = fakeClock();
    calls = 0;
    await expect(
      withRetry(
        'JetStream manager',
        () => {
          calls++;
          return always();
        },
        { ...again, stopped: () => true },
      ),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect([calls, again.slept]).toEqual([1, []]);
  });

  it('retries what the call names as also transient, and nothing more', async () => {
    const clock = fakeClock();
    const noPeers = new Error('no suitable peers for placement');
    const f = flaky([noPeers, noPeers], 'placed');
    const policy = { ...clock, retryAlso: noPeersForPlacement };
    expect(await withRetry('creating stream S', f.fn, policy)).toBe('placed');
    expect(f.calls()).toBe(3);
    await expect(withRetry('creating stream S', flaky([noPeers], 1).fn, clock)).rejects.toBe(
      noPeers,
    );
  });

  it('spreads retries with jitter and caps the delay', async () => {
    const clock = { ...fakeClock(), random: () => 0, maxDelayMs: 1000, deadlineMs: 60_000 };
    const f = flaky(
      Array.from({ length: 6 }, () => new TimeoutError()),
      'ok',
    );
    await withRetry('x', f.fn, clock);
    expect(clock.slept).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it('throws other errors at once, untouched', async () => {
    const clock = fakeClock();
    const bad = new Error('permission denied');
    const f = flaky([bad], 1);
    await expect(withRetry('x', f.fn, clock)).rejects.toBe(bad);
    expect(clock.logs).toEqual([]);
  });

  it('gives up at the deadline with what failed and how often', async () => {
    const clock = { ...fakeClock(), deadlineMs: 1000 };
    const f = flaky(
      Array.from({ length: 100 }, () => new TimeoutError()),
      1,
    );
    const err = await withRetry('stream info ZTSDB_SAMPLES', f.fn, clock).catch((e) => e);
    expect(err).toBeInstanceOf(RetryDeadlineError);
    expect(err.message).toMatch(
      /^stream info ZTSDB_SAMPLES failed 3 time\(s\) until the retry deadline: /,
    );
    expect(err.cause).toBeInstanceOf(TimeoutError);
    expect(clock.slept.reduce((a: number, b: number) => a + b, 0)).toBeLessThanOrEqual(1000);
  });

  it('knows which NATS failures are transient', () => {
    expect(isTransientNatsError(new TimeoutError())).toBe(true);
    expect(isTransientNatsError(new NoRespondersError('$JS.API.INFO'))).toBe(true);
    expect(
      isTransientNatsError(
        new RequestError('no responders', { cause: new NoRespondersError('$JS.API.INFO') }),
      ),
    ).toBe(true);
    expect(isTransientNatsError(new Error('outer', { cause: new TimeoutError() }))).toBe(true);
    expect(
      isTransientNatsError(
        new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream unavailable' }),
      ),
    ).toBe(true);
    expect(
      isTransientNatsError(
        new JetStreamApiError({ code: 404, err_code: 10059, description: 'stream not found' }),
      ),
    ).toBe(false);
    expect(isTransientNatsError(new Error('bad'))).toBe(false);
    expect(isTransientNatsError('timeout')).toBe(false);
  });
});

describe('start-up calls against a paused nats-server', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start();
  });
  afterAll(async () => {
    if (server?.pid) process.kill(server.pid, 'SIGCONT');
    await server?.stop();
  });

  it('succeed once it resumes, having said what they retried', async () => {
    const nc = await connect({ servers: server.url });
    const logs: string[] = [];
    // The server resumes when the first retry is announced, not after a fixed time, so that a
    // slow machine cannot resume it before the first attempt has timed out.
    const resumeServer = (): boolean => process.kill(server.pid!, 'SIGCONT');
    const retry = {
      deadlineMs: 30_000,
      log: (m: string) => {
        if (logs.push(m) === 1) resumeServer();
      },
    };
    try {
      process.kill(server.pid!, 'SIGSTOP');
      // Never left paused if no retry is announced; the assertions below then say so.
      const resume = setTimeout(resumeServer, 20_000);
      try {
        const topo = await ensureTopology(nc, DEFAULT_TOPOLOGY, retry);
        expect(await resolvePartitions(topo.config, 4, undefined, retry)).toBe(4);
      } finally {
        clearTimeout(resume);
        process.kill(server.pid!, 'SIGCONT');
      }
      expect(logs.length).toBeGreaterThan(0);
      expect(logs[0]).toMatch(
        /^JetStream manager failed \(attempt 1: .*\); retrying in \d+ ms at /,
      );
    } finally {
      await nc.close();
    }
  });
});
