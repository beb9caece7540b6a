import { Logger } from '@nestjs/common';
import { RepeatedWarnings, RetryDeadlineError } from '@ztsdb/bus';
import { TimeoutError } from '@nats-io/transport-node';
import type { OwnedPartition, PartitionOwnerOptions } from './owned-partition';
import { takeoverStep, TakeoverStopped } from './partition-takeover';

/** Only what takeoverStep reads: the partition, its retry policy and the stop flag. */
function partition(deadlineMs: number, logged: string[]): OwnedPartition {
  const log = new Logger('spec');
  return {
    partition: 3,
    opts: {
      retry: { deadlineMs, firstDelayMs: 20, log: (l: string) => logged.push(l) },
    } as unknown as PartitionOwnerOptions,
    log,
    warnings: new RepeatedWarnings(() => undefined, 1000),
    state: undefined as never,
    wal: undefined as never,
    streamId: '',
    stopping: false,
  };
}

describe('takeoverStep', () => {
  it('retries a request NATS did not answer, and returns what the later attempt got', async () => {
    const logged: string[] = [];
    const owned = partition(10_000, logged);
    let calls = 0;
    const got = await takeoverStep(owned, 'stream info', async () => {
      if (++calls < 3) throw new TimeoutError();
      return 'info';
    });
    expect(got).toBe('info');
    expect(calls).toBe(3);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^stream info failed \(attempt 1: .*\); retrying in \d+ ms/);
  });

  it('throws any other error at once', async () => {
    const owned = partition(10_000, []);
    let calls = 0;
    await expect(
      takeoverStep(owned, 'opening the consumer', async () => {
        calls++;
        throw new Error('consumer config is invalid');
      }),
    ).rejects.toThrow('consumer config is invalid');
    expect(calls).toBe(1);
  });

  it('gives up at the retry deadline, naming the step', async () => {
    const owned = partition(100, []);
    await expect(
      takeoverStep(owned, 'partition 3: reading its checkpoint', async () => {
        throw new TimeoutError();
      }),
    ).rejects.toThrow(RetryDeadlineError);
  });

  it('ends during a backoff once the partition is stopped, without waiting it out', async () => {
    const owned = partition(60_000, []);
    owned.opts.retry.firstDelayMs = 30_000;
    const t0 = Date.now();
    const step = takeoverStep(owned, 'stream info', async () => {
      throw new TimeoutError();
    });
    setTimeout(() => (owned.stopping = true), 100);
    await expect(step).rejects.toThrow(TakeoverStopped);
    // The backoff was at least 15 s (half of the first delay, jittered).
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
