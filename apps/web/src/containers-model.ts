import { instant, matrixOf, range, vectorOf, type VectorSample } from './api';

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
/** … and dropped from the table after this (both can be set per page: `?gone=` and `?drop=`). */
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
  /** Changes whenever anything shown of the row changes: a row with the same stamp needs no new rendering. */
  stamp: number;
}

/** New containers asked for by id (a regex alternation) when there are at most this many. */
const FEW_NEW = 50;
/** Ids safe to put in a regex unescaped (runtime ids are hex; anything else asks for all). */
const ID = /^[0-9a-zA-Z_.-]+$/;

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
  goneAfterMs = GONE_AFTER_MS;
  dropAfterMs = DROP_AFTER_MS;
  /** Source of the rows' stamps. */
  private stamps = 0;

  /** Latest values and sample times, at the server's evaluation time. */
  async refresh(signal?: AbortSignal): Promise<void> {
    // One query per metric: a plain metric name is a label-index look-up on the server, much
    // cheaper than one `{__name__=~"a|b|…"}` selector that tests every series' name. Every
    // answer is cut to the row's key; the other labels (name, image, …) never change for a
    // container, so they are asked for only for containers not known yet (`labelsOf`), which
    // makes each refresh's answers, and the browser's work parsing them, a few times smaller.
    const keys = Object.keys(METRIC) as MetricKey[];
    const [seen, ...latest] = await Promise.all([
      instant(`max by (${KEY_LABELS}) (timestamp(${METRIC.cpu}))`, undefined, signal),
      ...keys.map((k) => instant(`max by (${KEY_LABELS}) (${METRIC[k]})`, undefined, signal)),
    ]);
    const seenNow = vectorOf(seen.data);
    this.nowMs = (seenNow[0]?.value[0] ?? Date.now() / 1000) * 1000;
    const unknown = seenNow.filter((s) => !this.rows.has(keyOf(s.metric)));
    if (unknown.length > 0) await this.addRows(unknown, signal);
    latest.forEach((answer, i) => {
      const k = keys[i]!;
      for (const s of vectorOf(answer.data)) {
        const row = this.rows.get(keyOf(s.metric));
        if (!row) continue;
        const v = Number(s.value[1]);
        if (row.values[k] !== v) {
          row.values[k] = v;
          row.stamp = ++this.stamps;
        }
      }
    });
    for (const s of seenNow) {
      const row = this.rows.get(keyOf(s.metric));
      if (row) row.lastSeenMs = Number(s.value[1]) * 1000;
    }
    for (const [key, row] of this.rows) {
      const age = this.nowMs - row.lastSeenMs;
      if (row.lastSeenMs > 0 && age > this.dropAfterMs) this.rows.delete(key);
      else {
        const gone = row.lastSeenMs > 0 && age > this.goneAfterMs;
        if (row.gone !== gone) {
          row.gone = gone;
          row.stamp = ++this.stamps;
        }
      }
    }
  }

  /**
   * Rows for containers seen for the first time, with their labels from the CPU series: all of
   * them on the first refresh (or when many are new), else only the new ones by id.
   */
  private async addRows(unknown: VectorSample[], signal?: AbortSignal): Promise<void> {
    const wanted = new Set(unknown.map((s) => keyOf(s.metric)));
    const ids = [...new Set(unknown.map((s) => s.metric.container_id ?? ''))];
    const few = this.rows.size > 0 && ids.length <= FEW_NEW && ids.every((id) => ID.test(id));
    const answer = await instant(
      few ? `${METRIC.cpu}{container_id=~"${ids.join('|')}"}` : METRIC.cpu,
      undefined,
      signal,
    );
    for (const s of vectorOf(answer.data)) if (wanted.has(keyOf(s.metric))) this.rowOf(s.metric);
    // A container whose CPU series has no labels (yet) still gets its row, by its key.
    for (const s of unknown) this.rowOf(s.metric);
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
        stamp: ++this.stamps,
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
      row.stamp = ++this.stamps;
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
