import { instant, matrixOf, range, vectorOf } from './api';

/**
 * The data behind the Containers page: the latest value of each container metric (one PromQL
 * instant query for all of them), the time of each container's latest sample, and 15-minute
 * sparklines of CPU and memory kept on a fixed grid and extended by small range queries.
 *
 * The collector already stores network and block I/O as per-second rates (DESIGN.md, data
 * model), so the latest sample is the rate; `rate()` would differentiate it a second time.
 */

export const METRIC = {
  cpu: 'container_cpu_usage',
  mem: 'container_memory_bytes',
  rx: 'container_net_rx_bytes',
  tx: 'container_net_tx_bytes',
  rd: 'container_block_read_bytes',
  wr: 'container_block_write_bytes',
} as const;
export type MetricKey = keyof typeof METRIC;

export const SPARK_STEP_SEC = 15;
export const SPARK_POINTS = (15 * 60) / SPARK_STEP_SEC + 1;
/** A container whose latest sample is older than this is shown greyed out … */
export const GONE_AFTER_MS = 15_000;
/** … and dropped from the table after this. */
export const DROP_AFTER_MS = 120_000;

export interface ContainerRow {
  key: string;
  id: string;
  name: string;
  image: string;
  runtime: string;
  host: string;
  values: Partial<Record<MetricKey, number>>;
  lastSeenMs: number;
  gone: boolean;
  cpuSpark: Float64Array;
  memSpark: Float64Array;
}

/** A row is one container of one host. */
const KEY_LABELS = 'host, container_id';
const keyOf = (m: Record<string, string>): string => `${m.host ?? ''}/${m.container_id ?? ''}`;

function blankSpark(): Float64Array {
  return new Float64Array(SPARK_POINTS).fill(NaN);
}

export class ContainersModel {
  readonly rows = new Map<string, ContainerRow>();
  /** Server time of the latest refresh, ms. */
  nowMs = 0;
  /** Grid end of the sparklines (seconds, a multiple of the step); 0 before the first fetch. */
  private sparkEnd = 0;

  /** Latest values and sample times, at the server's evaluation time. */
  async refresh(signal?: AbortSignal): Promise<void> {
    // One query per metric: a plain metric name is a label-index look-up on the server, much
    // cheaper than one `{__name__=~"a|b|…"}` selector that tests every series' name. Only the
    // CPU answer carries every label (name, image, …); the others keep just the row's key,
    // which makes the answers, and the browser's work parsing them, a few times smaller.
    const keys = Object.keys(METRIC) as MetricKey[];
    const [seen, ...latest] = await Promise.all([
      instant(`max by (${KEY_LABELS}) (timestamp(${METRIC.cpu}))`, undefined, signal),
      ...keys.map((k) =>
        instant(
          k === 'cpu' ? METRIC[k] : `max by (${KEY_LABELS}) (${METRIC[k]})`,
          undefined,
          signal,
        ),
      ),
    ]);
    const first = vectorOf(seen.data)[0];
    this.nowMs = (first?.value[0] ?? Date.now() / 1000) * 1000;
    latest.forEach((answer, i) => {
      const k = keys[i]!;
      for (const s of vectorOf(answer.data)) {
        const row = k === 'cpu' ? this.rowOf(s.metric) : this.rows.get(keyOf(s.metric));
        if (row) row.values[k] = Number(s.value[1]);
      }
    });
    for (const s of vectorOf(seen.data)) {
      const row = this.rows.get(keyOf(s.metric));
      if (row) row.lastSeenMs = Number(s.value[1]) * 1000;
    }
    for (const [key, row] of this.rows) {
      const age = this.nowMs - row.lastSeenMs;
      if (row.lastSeenMs > 0 && age > DROP_AFTER_MS) this.rows.delete(key);
      else row.gone = row.lastSeenMs > 0 && age > GONE_AFTER_MS;
    }
  }

  private rowOf(m: Record<string, string>): ContainerRow {
    const key = keyOf(m);
    let row = this.rows.get(key);
    if (!row) {
      row = {
        key,
        id: m.container_id ?? '',
        name: m.container_name ?? m.container_id ?? '',
        image: m.image ?? '',
        runtime: m.runtime ?? '',
        host: m.host ?? '',
        values: {},
        lastSeenMs: 0,
        gone: false,
        cpuSpark: blankSpark(),
        memSpark: blankSpark(),
      };
      this.rows.set(key, row);
    }
    return row;
  }

  /** Extends the sparklines to the current step (a full 15-minute query the first time). */
  async refreshSparks(signal?: AbortSignal): Promise<boolean> {
    const end = Math.floor(this.nowMs / 1000 / SPARK_STEP_SEC) * SPARK_STEP_SEC;
    if (end <= this.sparkEnd) return false;
    const shift = this.sparkEnd ? (end - this.sparkEnd) / SPARK_STEP_SEC : SPARK_POINTS;
    const from =
      shift >= SPARK_POINTS
        ? end - (SPARK_POINTS - 1) * SPARK_STEP_SEC
        : this.sparkEnd + SPARK_STEP_SEC;
    const [cpu, mem] = await Promise.all([
      range(`max by (${KEY_LABELS}) (${METRIC.cpu})`, from, end, SPARK_STEP_SEC, signal),
      range(`max by (${KEY_LABELS}) (${METRIC.mem})`, from, end, SPARK_STEP_SEC, signal),
    ]);
    for (const row of this.rows.values()) {
      for (const a of [row.cpuSpark, row.memSpark]) {
        if (shift >= SPARK_POINTS) a.fill(NaN);
        else {
          a.copyWithin(0, shift);
          a.fill(NaN, SPARK_POINTS - shift);
        }
      }
    }
    const start = end - (SPARK_POINTS - 1) * SPARK_STEP_SEC;
    for (const [data, pick] of [
      [cpu.data, (r: ContainerRow) => r.cpuSpark],
      [mem.data, (r: ContainerRow) => r.memSpark],
    ] as const) {
      for (const s of matrixOf(data)) {
        const row = this.rows.get(keyOf(s.metric));
        if (!row) continue;
        const a = pick(row);
        for (const [t, v] of s.values) {
          const i = Math.round((t - start) / SPARK_STEP_SEC);
          if (i >= 0 && i < SPARK_POINTS) a[i] = Number(v);
        }
      }
    }
    this.sparkEnd = end;
    return true;
  }
}
