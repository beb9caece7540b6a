import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { InvalidInputError, LimitExceededError, ZtsdbError } from '@ztsdb/errors';
import { partitionOf } from '@ztsdb/model';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import { HotClient } from './hot-client';
import { UnknownSeriesError } from './query-errors';
import { QueryParamsDto, SeriesParamsDto, validateParams } from './query-params.dto';
import { SeriesRegistry } from './series-registry';
import { parseTimeParam } from './time-param';

export type JsonValue = number | string;

export interface QueryAnswer {
  series: string;
  points: Array<[number, JsonValue]>;
  /** Present when some partition owner did not answer: the points may be incomplete. */
  missingPartitions?: Array<{ partition: number; reason: string }>;
}

export interface SeriesAnswer {
  series: Array<{ name: string; labels: Record<string, string>; active: boolean }>;
}

/** JSON has no NaN or infinities; send them as Prometheus does, as strings. */
function jsonValue(v: number): JsonValue {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** Resolves series, gathers their points and applies the limits. Shared by HTTP and NATS. */
@Injectable()
export class QueryService implements OnApplicationBootstrap, OnApplicationShutdown {
  registry!: SeriesRegistry;
  private hot!: HotClient;

  constructor(
    @Inject(SETTINGS) private readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.registry = new SeriesRegistry(this.nats.topology.series);
    this.hot = new HotClient(this.nats.nc, this.settings.ZTSDB_HOT_TIMEOUT_MS);
    await this.registry.start();
  }

  onApplicationShutdown(): void {
    this.registry?.stop();
  }

  get ready(): boolean {
    return this.registry?.ready === true && !this.nats.nc.isClosed();
  }

  get natsConnected(): boolean {
    return !this.nats.nc.isClosed();
  }

  /** Answers a series query within ZTSDB_QUERY_TIMEOUT_MS. */
  async query(input: unknown, nowMs = Date.now()): Promise<QueryAnswer> {
    const limit = this.settings.ZTSDB_QUERY_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ZtsdbError('ZTSDB_TIMEOUT', `query took longer than ZTSDB_QUERY_TIMEOUT_MS=${limit}`)), limit);
    });
    try {
      return await Promise.race([this.answer(input, nowMs), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async answer(input: unknown, nowMs: number): Promise<QueryAnswer> {
    const p = validateParams(QueryParamsDto, input);
    const end = parseTimeParam('end', p.end, nowMs, nowMs);
    const start = parseTimeParam('start', p.start, end - 3_600_000, nowMs);
    if (start > end) {
      throw new InvalidInputError('ZTSDB_BAD_PARAM', `parameter "start" (${start}) is after "end" (${end})`, { param: 'start' });
    }
    const known = this.registry.get(p.series);
    if (!known) throw new UnknownSeriesError(p.series);
    const partition = partitionOf(known.seriesId, this.nats.partitions);
    const hot = await this.hot.fetch(new Map([[partition, [known.seriesId]]]), start, end);
    const found = hot.series.find((s) => s.id === known.seriesId);
    const n = found?.timestamps.length ?? 0;
    if (n > this.settings.ZTSDB_QUERY_MAX_POINTS) {
      throw new LimitExceededError(
        'ZTSDB_LIMIT',
        `the answer would hold ${n} points, more than ZTSDB_QUERY_MAX_POINTS=${this.settings.ZTSDB_QUERY_MAX_POINTS}; narrow the range`,
        { series: p.series },
      );
    }
    const points: Array<[number, JsonValue]> = new Array(n);
    for (let i = 0; i < n; i++) points[i] = [found!.timestamps[i]!, jsonValue(found!.values[i]!)];
    const answer: QueryAnswer = { series: p.series, points };
    if (hot.missing.length > 0) answer.missingPartitions = hot.missing;
    return answer;
  }

  series(input: unknown): SeriesAnswer {
    const p = validateParams(SeriesParamsDto, input);
    const matched = this.registry.match(p.match ?? '*');
    if (matched.length > this.settings.ZTSDB_QUERY_MAX_SERIES) {
      throw new LimitExceededError(
        'ZTSDB_LIMIT',
        `${matched.length} series match, more than ZTSDB_QUERY_MAX_SERIES=${this.settings.ZTSDB_QUERY_MAX_SERIES}; use a narrower match`,
      );
    }
    return { series: matched.map((s) => ({ name: s.name, labels: s.labels, active: s.active })) };
  }
}
