import type { Settings } from '@ztsdb/config';
import { PromQLEngine, type QueryResult } from '@ztsdb/promql';
import { QueryBudget } from '../query-budget';
import type { QueryClock } from '../query-clock';
import type { QueryService } from '../query.service';
import { TieredQueryable } from './tiered-queryable';

/** Most distinct storage warnings one answer carries. */
const MAX_WARNINGS = 50;

/** A PromQL answer with what the storage had to say about it (Prometheus's `warnings`). */
export interface PromQLAnswer {
  result: QueryResult;
  storageWarnings: string[];
  budget: QueryBudget;
  clock: QueryClock;
}

/**
 * Runs PromQL over the query service's merged tiers, within its limits: the concurrent-query
 * gate and ZTSDB_QUERY_TIMEOUT_MS (QueryService.run), the memory budget
 * (ZTSDB_QUERY_MAX_BYTES), and the engine's own ZTSDB_PROMQL_MAX_SAMPLES and
 * ZTSDB_PROMQL_LOOKBACK. `finish` turns the answer into bytes inside the same slot, so the
 * answer's memory counts against the same budget.
 */
export class PromQLRunner {
  constructor(
    private readonly queries: QueryService,
    private readonly settings: Settings,
  ) {}

  instant<T>(query: string, timeMs: number, finish: (a: PromQLAnswer) => T): Promise<T> {
    return this.exec((engine, q) => engine.instantQuery(q, query, timeMs), finish);
  }

  range<T>(
    query: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    finish: (a: PromQLAnswer) => T,
  ): Promise<T> {
    return this.exec((engine, q) => engine.rangeQuery(q, query, startMs, endMs, stepMs), finish);
  }

  private exec<T>(
    evaluate: (engine: PromQLEngine, q: TieredQueryable) => Promise<QueryResult>,
    finish: (a: PromQLAnswer) => T,
  ): Promise<T> {
    return this.queries.run(async (clock) => {
      const budget = new QueryBudget(this.settings.ZTSDB_QUERY_MAX_BYTES);
      const warnings = new Set<string>();
      const warn = (m: string): void => {
        if (warnings.size < MAX_WARNINGS) warnings.add(m);
      };
      const queryable = new TieredQueryable(
        this.queries.registry,
        this.queries.store,
        this.queries.hot,
        this.queries.partitions,
        clock,
        budget,
        {
          skipped: (e) => {
            const file =
              typeof e.context?.file === 'string'
                ? this.queries.store.relative(e.context.file)
                : undefined;
            warn(file ? `${file}: ${e.message} (skipped)` : `${e.message} (skipped)`);
          },
          missingPartition: (p, reason) =>
            warn(`hot data of partition ${p} is missing from this answer: ${reason}`),
        },
      );
      const engine = new PromQLEngine({
        lookbackDeltaMs: this.settings.ZTSDB_PROMQL_LOOKBACK,
        maxSamples: this.settings.ZTSDB_PROMQL_MAX_SAMPLES,
        timeoutMs: Math.max(1, clock.deadline - Date.now()),
      });
      const result = await evaluate(engine, queryable);
      return finish({ result, storageWarnings: [...warnings], budget, clock });
    });
  }
}
