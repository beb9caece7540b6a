// Over 400 lines: one request's answer is one function (answer) whose closures share its
// series, partitions, hot points and budget: the ways a series is read (sampled straight from
// a cold file, read now by index, read through the cache) sit beside it for that reason.
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Settings } from '@ztsdb/config';
import { InvalidInputError, LimitExceededError, ZtsdbError } from '@ztsdb/errors';
import { duringStartup } from '@ztsdb/fileutil';
import { parseLenientDurationMs, parseTimeParam, partitionOf, type Labels } from '@ztsdb/model';
import { NatsClient, SETTINGS } from '@ztsdb/platform';
import { isStaleNaN } from '@ztsdb/promql';
import { mergeLatestWins, type Points, type StepInstants, type VersionedPoints } from '@ztsdb/tsdb';
import type { SeriesPoints } from '@ztsdb/wire';
import {
  answerJsonBufferAsync,
  type AggAnswer,
  type QueryAnswer,
  type QueryWarning,
} from './answer-json';
import { dropStaleMarkers } from './drop-stale-markers';
import { releaseWarmupObjects, warmReadPaths } from './read-path-warmup';
import { releaseRequestWarmup, warmRequestPath } from './request-path-warmup';
import { isGlob } from './glob-matcher';
import { HotClient } from './hot-client';
import { HotExtents } from './hot-extents';
import { POINT_BYTES, QueryBudget } from './query-budget';
import { QueryClock } from './query-clock';
import { QueryGate } from './query-gate';
import { checkParamTypes, SERIES_PARAM_KINDS } from './param-types';
import { UnknownSeriesError } from './query-errors';
import {
  normalizeParams,
  QUERY_PARAM_RULES,
  SERIES_PARAM_RULES,
  validateParams,
  type QueryParamsDto,
} from './query-params.dto';
import { SeriesRegistry, type KnownSeries } from './series-registry';
import { parseSelector } from './series-selector';
import {
  groupOf,
  sampleAtSteps,
  StepAccumulator,
  stepGrid,
  stepSeries,
  type AggFn,
} from './step-aggregate';
import { TieredStore } from './tiered-store';

export type { QueryAnswer } from './answer-json';

export interface SeriesAnswer {
  series: Array<{ name: string; labels: Record<string, string>; active: boolean }>;
}

/** Hot points win over any file: they are the latest writes. */
const HOT_VERSION = Number.MAX_SAFE_INTEGER;
const MAX_WARNINGS = 50;

function durationParam(
  name: string,
  raw: string | undefined,
  fallback: number | undefined,
): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  const ms = parseLenientDurationMs(raw);
  if (ms === undefined || ms <= 0) {
    throw new InvalidInputError(
      'ZTSDB_BAD_PARAM',
      `parameter "${name}" must be a positive duration like 15s, 1m, 1h or milliseconds; got ${JSON.stringify(raw)}`,
      { param: name },
    );
  }
  return ms;
}

/** Resolves series, gathers their points from cold, warm and hot, merges, aggregates and applies the limits. */
@Injectable()
export class QueryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('query');
  registry!: SeriesRegistry;
  store!: TieredStore;
  hot!: HotClient;
  extents!: HotExtents;
  private readonly gate: QueryGate;
  private stopping = false;
  /** Settles when the start-up warm-up of the read paths (ZTSDB_QUERY_WARMUP) is over, or at once without one. */
  warmedUp: Promise<void> = Promise.resolve();

  constructor(
    @Inject(SETTINGS) readonly settings: Settings,
    private readonly nats: NatsClient,
  ) {
    this.gate = new QueryGate(settings.ZTSDB_QUERY_MAX_CONCURRENT, settings.ZTSDB_QUERY_MAX_QUEUED);
  }

  /**
   * A service over the given registry, store and hot points, never bootstrapped and with no
   * NATS connection: the start-up warm-up's (request-path-warmup.ts), which answers requests
   * over synthetic data with the same code, so V8 compiles that code before real requests
   * come. Answering reads only the partition count of the connection and `fetch` of the hot
   * client.
   */
  static detached(
    settings: Settings,
    parts: {
      registry: SeriesRegistry;
      store: TieredStore;
      hot: Pick<HotClient, 'fetch'>;
      partitions: number;
    },
  ): QueryService {
    const q = new QueryService(settings, { partitions: parts.partitions } as NatsClient);
    q.registry = parts.registry;
    q.store = parts.store;
    q.hot = parts.hot as HotClient;
    return q;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.registry = new SeriesRegistry(
      this.nats.topology.series,
      this.nats.retry,
      this.settings.ZTSDB_REGISTRY_REFRESH,
    );
    // Subscribed before the first query: until an owner is heard, every partition is asked.
    this.extents = new HotExtents(this.nats.nc, this.settings.ZTSDB_HOT_EXTENT_MAX_AGE_MS);
    this.extents.start();
    this.hot = new HotClient(this.nats.nc, this.settings.ZTSDB_HOT_TIMEOUT_MS, this.extents);
    this.store = new TieredStore(
      this.nats.nc,
      this.settings.ZTSDB_DATA_DIR,
      (m) => this.log.warn(m),
      this.settings.ZTSDB_QUERY_DECODED_CACHE_BYTES,
      this.nats.partitions,
      {
        cacheBytes: this.settings.ZTSDB_TIER_CACHE_BYTES,
        replicas: this.settings.ZTSDB_REPLICAS,
        residentColdBytes: this.settings.ZTSDB_QUERY_COLD_RESIDENT_BYTES,
      },
    );
    await Promise.all([this.registry.start(), this.store.start()]);
    if (this.settings.ZTSDB_QUERY_WARMUP === 1) {
      // In the background, in short slices: queries are served meanwhile.
      this.warmedUp = this.warmUp().catch((e: Error) =>
        this.log.warn(`start-up warm-up failed: ${e.message}`),
      );
      // Its allocations would grow the new space a start-up holds small (ZTSDB_V8_NEW_SPACE).
      duringStartup(this.warmedUp);
    }
  }

  /** The cold read paths, then the whole request path (ZTSDB_QUERY_WARMUP_REQUESTS), on synthetic data. */
  private async warmUp(): Promise<void> {
    const r = await warmReadPaths(this.settings.ZTSDB_QUERY_LOOKBACK, () => this.stopping);
    this.log.log(
      `read paths warmed up on synthetic data: ${r.reads} series reads, ${r.busyMs.toFixed(0)} ms`,
    );
    const n = this.settings.ZTSDB_QUERY_WARMUP_REQUESTS;
    if (n === 0 || this.stopping) return;
    const q = await warmRequestPath(this.settings, n, () => this.stopping);
    this.log.log(
      `request path warmed up on synthetic data: ${q.requests} requests, ${q.busyMs.toFixed(0)} ms`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.warmedUp;
    releaseWarmupObjects();
    await releaseRequestWarmup();
    this.registry?.stop();
    this.hot?.close();
    this.extents?.stop();
    await this.store?.stop();
  }

  get ready(): boolean {
    return this.registry?.ready === true && this.store?.ready === true && !this.nats.nc.isClosed();
  }

  /** Partitions of this deployment (KV ztsdb_config). */
  get partitions(): number {
    return this.nats.partitions;
  }

  get natsConnected(): boolean {
    return !this.nats.nc.isClosed();
  }

  /**
   * Runs one request through the gate (ZTSDB_QUERY_MAX_CONCURRENT) and within
   * ZTSDB_QUERY_TIMEOUT_MS: the answer is given up at the deadline, and the
   * work itself stops at its next clock check; its slot is freed only then.
   */
  async run<T>(work: (clock: QueryClock) => Promise<T>): Promise<T> {
    const clock = new QueryClock(this.settings.ZTSDB_QUERY_TIMEOUT_MS);
    const release = await this.gate.enter(clock);
    const job = work(clock).finally(release);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(clock.timeout()), Math.max(0, clock.deadline - Date.now()));
    });
    try {
      return await Promise.race([job, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Answers a query as UTF-8 JSON bytes (HTTP and NATS), within the limits. */
  async queryBuffer(input: unknown, nowMs = Date.now()): Promise<Buffer> {
    return this.run(async (clock) => {
      const budget = new QueryBudget(this.settings.ZTSDB_QUERY_MAX_BYTES);
      const answer = await this.answer(input, nowMs, clock, budget);
      return answerJsonBufferAsync(answer, budget, clock);
    });
  }

  private async resolve(
    p: QueryParamsDto,
    clock: QueryClock,
  ): Promise<{ series: KnownSeries[]; single?: string }> {
    if (p.series !== undefined && p.match !== undefined) {
      throw new InvalidInputError(
        'ZTSDB_BAD_PARAM',
        'give either "series" (one name) or "match" (selectors), not both',
        { param: 'match' },
      );
    }
    if (p.series !== undefined) {
      const known = this.registry.get(p.series);
      if (!known) throw new UnknownSeriesError(p.series);
      return { series: [known], single: p.series };
    }
    if (p.match === undefined || (Array.isArray(p.match) && p.match.length === 0)) {
      throw new InvalidInputError(
        'ZTSDB_BAD_PARAM',
        'parameter "series" is required, e.g. series=container.cpu.usage.abc123def456 (or "match" with a selector like container_cpu_usage{container_name="web-1"})',
        { param: 'series' },
      );
    }
    const seen = new Map<string, KnownSeries>();
    const texts = Array.isArray(p.match) ? p.match : [p.match];
    for (const text of texts) {
      for (const s of await this.registry.select(parseSelector(text), clock)) {
        seen.set(s.name, s);
        if (seen.size > this.settings.ZTSDB_QUERY_MAX_SERIES) {
          throw new LimitExceededError(
            'ZTSDB_LIMIT',
            `more than ZTSDB_QUERY_MAX_SERIES=${this.settings.ZTSDB_QUERY_MAX_SERIES} series match; use a narrower selector`,
          );
        }
      }
    }
    // One selector's series come sorted by name; several are merged and sorted again.
    return {
      series:
        texts.length === 1 ? [...seen.values()] : this.registry.sortedByName([...seen.keys()]),
    };
  }

  private async answer(
    input: unknown,
    nowMs: number,
    clock: QueryClock,
    budget: QueryBudget,
  ): Promise<QueryAnswer> {
    const p = validateParams(QUERY_PARAM_RULES, normalizeParams(input));
    const end = parseTimeParam('end', p.end, nowMs, nowMs);
    const start = parseTimeParam('start', p.start, end - 3_600_000, nowMs);
    if (start > end) {
      throw new InvalidInputError(
        'ZTSDB_BAD_PARAM',
        `parameter "start" (${start}) is after "end" (${end})`,
        { param: 'start' },
      );
    }
    const step = durationParam('step', p.step, undefined);
    const lookback = durationParam('lookback', p.lookback, this.settings.ZTSDB_QUERY_LOOKBACK)!;
    const agg = p.agg as AggFn | undefined;
    const by = p.by
      ? p.by
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
      : [];
    if (agg && step === undefined) {
      throw new InvalidInputError(
        'ZTSDB_BAD_PARAM',
        'parameter "agg" needs "step", e.g. agg=sum&step=60s',
        { param: 'step' },
      );
    }
    if (by.length > 0 && !agg)
      throw new InvalidInputError('ZTSDB_BAD_PARAM', 'parameter "by" needs "agg"', { param: 'by' });
    const grid = step !== undefined ? stepGrid(start, end, step) : undefined;

    const { series, single } = await this.resolve(p, clock);
    const byPartition = new Map<number, bigint[]>();
    /** Each series' partition, by its place in `series`. */
    const parts = new Uint16Array(series.length);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const part = (parts[i] = partitionOf(s.seriesId, this.partitions));
      let l = byPartition.get(part);
      if (!l) byPartition.set(part, (l = []));
      l.push(s.seriesId);
    }
    // Hot first: whatever the owner has dropped since, the catalog already shows in warm.
    const hot =
      series.length > 0
        ? await this.hot.fetch(byPartition, start, end, step)
        : { series: [], missing: [] };
    const hotById = new Map<bigint, SeriesPoints>();
    let hotPoints = 0;
    for (const h of hot.series) {
      hotById.set(h.id, h);
      hotPoints += h.timestamps.length;
    }
    budget.hold(hotPoints * POINT_BYTES, `${hotPoints} hot points`);

    const warnings = new Map<string, QueryWarning>();
    const onSkip = (e: ZtsdbError): void => {
      const file =
        typeof e.context?.file === 'string' ? this.store.relative(e.context.file) : undefined;
      const key = `${file}|${e.message}`;
      if (warnings.size < MAX_WARNINGS && !warnings.has(key))
        warnings.set(key, { ...(file ? { file } : {}), code: e.code, message: e.message });
    };
    const instants: StepInstants | undefined =
      grid && grid.length > 0
        ? { first: start, step: step!, count: grid.length, dropped: isStaleNaN }
        : undefined;
    const maxPoints = this.settings.ZTSDB_QUERY_MAX_POINTS;
    let total = 0;
    const units: VersionedPoints[] = [];
    /** The `i`th series' merged points; counted against the budget while they are in memory. */
    const pointsOf = async (i: number): Promise<Points> => {
      const s = series[i]!;
      if (clock.due()) await clock.pause();
      units.length = 0;
      // Sampled at steps: only the points the steps need, straight from the chunks.
      if (instants)
        await this.store.readAtInstants(parts[i]!, s.seriesId, start, end, instants, units, onSkip);
      else await this.store.read(parts[i]!, s.seriesId, start, end, units, onSkip);
      return merge(s);
    };
    /**
     * pointsOf at once when the files read by index (TieredStore.readAtInstantsNow) and the
     * clock, read every 8 series (a system call on some hosts), needs no pause; undefined, with
     * nothing read, otherwise.
     */
    const pointsNow = (i: number): Points | undefined => {
      if (!instants || ((i & 7) === 0 && clock.due())) return undefined;
      const s = series[i]!;
      units.length = 0;
      if (!this.store.readAtInstantsNow(parts[i]!, s.seriesId, start, end, instants, units, onSkip))
        return undefined;
      return merge(s);
    };
    /**
     * The `i`th series sampled at the steps into `out` straight from its one cold file
     * (TieredStore.sampleAtInstantsNow), when it has no hot points and the clock (read every
     * 8 series) needs no pause: no points read, merged or thinned in between. False, with
     * nothing written, otherwise.
     */
    const sampledNow = (i: number, out: Float64Array): boolean => {
      if (!instants || ((i & 7) === 0 && clock.due())) return false;
      const s = series[i]!;
      if (hotById.size > 0 && hotById.has(s.seriesId)) return false;
      const used = this.store.sampleAtInstantsNow(
        parts[i]!,
        s.seriesId,
        start,
        end,
        instants,
        lookback,
        out,
      );
      if (used < 0) return false;
      // As merge() counts them: the points read and their merge, for a moment.
      if (!budget.fits(2 * used * POINT_BYTES))
        throw budget.exceeded(`${used} points of ${s.name}`);
      return true;
    };
    /** The units read for `s` merged with its hot points. */
    const merge = (s: KnownSeries): Points => {
      let fromFiles = 0;
      for (const u of units) fromFiles += u.timestamps.length;
      const h = hotById.get(s.seriesId);
      if (h) units.push({ timestamps: h.timestamps, values: h.values, version: HOT_VERSION });
      const merged = fromFiles + (h?.timestamps.length ?? 0);
      // The points read from files and their merge are in memory for a moment (hot ones are held already).
      if (!budget.fits((fromFiles + merged) * POINT_BYTES))
        throw budget.exceeded(`${merged} points of ${s.name}`);
      return dropStaleMarkers(mergeLatestWins(units));
    };
    const count = (n: number, what: string): void => {
      total += n;
      if (total > maxPoints) {
        throw new LimitExceededError(
          'ZTSDB_LIMIT',
          `the answer would hold more than ZTSDB_QUERY_MAX_POINTS=${maxPoints} points (${what}); narrow the range or use a larger step`,
        );
      }
    };

    let answer: QueryAnswer;
    if (agg) {
      const groups = new Map<string, { group: Labels; acc: StepAccumulator; series: number }>();
      const tmp = new Float64Array(grid!.length);
      // Without `by` every series is in the one group: its key is made once.
      const all = by.length === 0 ? groupOf({}, by) : undefined;
      for (let i = 0; i < series.length; i++) {
        const s = series[i]!;
        if (!sampledNow(i, tmp))
          sampleAtSteps(pointsNow(i) ?? (await pointsOf(i)), grid!, lookback, tmp);
        const { key, group } = all ?? groupOf(s.labels, by);
        let g = groups.get(key);
        if (!g) {
          budget.hold(grid!.length * POINT_BYTES, `${groups.size + 1} groups`);
          groups.set(key, (g = { group, acc: new StepAccumulator(agg, grid!), series: 0 }));
        }
        g.acc.add(tmp);
        g.series++;
      }
      const result: AggAnswer['result'] = [];
      for (const g of [...groups.values()].sort((a, b) =>
        JSON.stringify(a.group).localeCompare(JSON.stringify(b.group)),
      )) {
        const pts = g.acc.result();
        count(pts.timestamps.length, `${groups.size} groups`);
        result.push({ group: g.group, series: g.series, points: pts });
      }
      answer = { kind: 'agg', agg, by, step: step!, result };
    } else {
      const rows: Array<{ series: string; labels: Labels; points: Points }> = [];
      for (let i = 0; i < series.length; i++) {
        const s = series[i]!;
        let pts = pointsNow(i) ?? (await pointsOf(i));
        if (grid) pts = stepSeries(pts, grid, lookback);
        count(pts.timestamps.length, s.name);
        budget.hold(pts.timestamps.length * POINT_BYTES, `${total} points`);
        rows.push({ series: s.name, labels: s.labels, points: pts });
      }
      answer =
        single !== undefined
          ? { kind: 'single', series: single, points: rows[0]!.points }
          : { kind: 'multi', result: rows };
    }
    if (hot.missing.length > 0) answer.missingPartitions = hot.missing;
    if (warnings.size > 0) answer.warnings = [...warnings.values()];
    return answer;
  }

  /** Lists series (`/series`, `{"match": glob}` on NATS), within the limits. */
  async series(input: unknown): Promise<SeriesAnswer> {
    const p = validateParams(SERIES_PARAM_RULES, checkParamTypes(input, SERIES_PARAM_KINDS));
    const text = p.match ?? '*';
    return this.run(async (clock) => {
      const matched =
        text.includes('{') || !isGlob(text)
          ? await this.registry.select(parseSelector(text), clock)
          : await this.registry.match(text, clock);
      if (matched.length > this.settings.ZTSDB_QUERY_MAX_SERIES) {
        throw new LimitExceededError(
          'ZTSDB_LIMIT',
          `${matched.length} series match, more than ZTSDB_QUERY_MAX_SERIES=${this.settings.ZTSDB_QUERY_MAX_SERIES}; use a narrower match`,
        );
      }
      return {
        series: matched.map((s) => ({ name: s.name, labels: s.labels, active: s.active })),
      };
    });
  }
}
