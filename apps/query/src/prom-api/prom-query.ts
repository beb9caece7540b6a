import type { PromQLRunner } from '../promql/promql-runner';
import { PromBadDataError } from './prom-errors';
import { resultBody } from './prom-json';
import { durationParam, timeParam, type PromParams } from './prom-params';

/** Prometheus refuses a range query with more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000;

/** `/api/v1/query`: `query`, `time` (default now). */
export function instantQuery(runner: PromQLRunner, p: PromParams, nowMs: number): Promise<Buffer> {
  const timeMs = timeParam(p, 'time', nowMs);
  return runner.instant(p.get('query'), timeMs, (a) =>
    resultBody(
      a.result.value,
      { warnings: [...a.storageWarnings, ...a.result.warnings], infos: a.result.infos },
      a.budget,
    ),
  );
}

/** `/api/v1/query_range`: `query`, `start`, `end`, `step`, with Prometheus's checks and wording. */
export function rangeQuery(runner: PromQLRunner, p: PromParams): Promise<Buffer> {
  const startMs = timeParam(p, 'start', NaN);
  if (Number.isNaN(startMs)) throw missing('start', 'timestamp');
  const endMs = timeParam(p, 'end', NaN);
  if (Number.isNaN(endMs)) throw missing('end', 'timestamp');
  if (endMs < startMs) throw new PromBadDataError('end timestamp must not be before start time');
  const stepMs = durationParam(p, 'step');
  if (!(stepMs > 0)) {
    throw new PromBadDataError(
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  }
  if ((endMs - startMs) / stepMs > MAX_POINTS_PER_SERIES) {
    throw new PromBadDataError(
      'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
    );
  }
  return runner.range(p.get('query'), startMs, endMs, stepMs, (a) =>
    resultBody(
      a.result.value,
      { warnings: [...a.storageWarnings, ...a.result.warnings], infos: a.result.infos },
      a.budget,
    ),
  );
}

function missing(param: string, what: string): PromBadDataError {
  return new PromBadDataError(
    `invalid parameter ${JSON.stringify(param)}: cannot parse "" to a valid ${what}`,
  );
}
