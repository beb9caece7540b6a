import type { NatsConnection } from '@nats-io/transport-node';
import { askQuery } from './client-commands';

const COLUMNS = [
  { metric: 'container_cpu_usage', head: 'CPU %', fmt: (v: number) => v.toFixed(2) },
  { metric: 'container_memory_bytes', head: 'MEM', fmt: bytes },
  { metric: 'container_net_rx_bytes', head: 'NET RX/s', fmt: bytes },
  { metric: 'container_net_tx_bytes', head: 'NET TX/s', fmt: bytes },
  { metric: 'container_block_read_bytes', head: 'BLOCK R/s', fmt: bytes },
  { metric: 'container_block_write_bytes', head: 'BLOCK W/s', fmt: bytes },
] as const;

function bytes(v: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)}${units[i]}`;
}

export interface Row {
  id: string;
  name: string;
  values: Array<number | undefined>;
}

/** The latest value of each of the top metrics per container, from the database. */
export async function topRows(nc: NatsConnection, windowMs = 30_000): Promise<Row[]> {
  const answer = await askQuery(
    nc,
    { match: COLUMNS.map((c) => c.metric), start: `-${windowMs}ms`, end: 'now' },
    5000,
  );
  const rows = new Map<string, Row>();
  for (const r of answer.result as Array<{
    labels: Record<string, string>;
    points: Array<[number, number]>;
  }>) {
    const last = r.points[r.points.length - 1];
    if (!last) continue;
    const id = r.labels.container_id ?? r.labels.__name__ ?? '?';
    let row = rows.get(id);
    if (!row)
      rows.set(
        id,
        (row = { id, name: r.labels.container_name ?? id, values: COLUMNS.map(() => undefined) }),
      );
    const col = COLUMNS.findIndex((c) => c.metric === r.labels.__name__);
    if (col >= 0 && typeof last[1] === 'number') row.values[col] = last[1];
  }
  return [...rows.values()].sort(
    (a, b) => (b.values[0] ?? -1) - (a.values[0] ?? -1) || a.name.localeCompare(b.name),
  );
}

/**
 * The table, cut to `width` columns and, when `height` is given, to that many lines
 * (the header and footer stay; rows that do not fit are counted in the footer).
 * `live` adds how to quit.
 */
export function renderTop(
  rows: Row[],
  width = 120,
  height?: number,
  live = false,
  now: Date = new Date(),
): string {
  // Header, blank line and footer take three lines; the cursor line one more.
  const fit = height === undefined ? rows.length : Math.max(0, height - 4);
  const shown = rows.slice(0, fit);
  const head = ['CONTAINER ID', 'NAME', ...COLUMNS.map((c) => c.head)];
  const body = shown.map((r) => [
    r.id,
    r.name.slice(0, 28),
    ...r.values.map((v, i) => (v === undefined ? '-' : COLUMNS[i]!.fmt(v))),
  ]);
  const all = [head, ...body];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!)))
      .join('  ')
      .slice(0, width);
  const hidden = rows.length - shown.length;
  const footer = [
    `${rows.length} containers${hidden > 0 ? ` (${hidden} more below; a taller terminal shows them)` : ''}`,
    now.toISOString(),
    ...(live ? ['q or Ctrl-C quits'] : []),
  ].join(' · ');
  return all.map(line).join('\n') + `\n\n${footer.slice(0, width)}\n`;
}

/**
 * `ztsdb top`: a live table like `docker stats`, refreshed every second and redrawn
 * at once when the terminal is resized, until q or Ctrl-C. `--once` (and a
 * non-terminal output) prints the whole table without the screen handling.
 */
export async function topCommand(
  nc: NatsConnection,
  once: boolean,
  out: (s: string) => void,
): Promise<void> {
  if (once) {
    out(renderTop(await topRows(nc)));
    return;
  }
  const tty = process.stdout.isTTY === true;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const onKey = (d: Buffer): void => {
    const k = d.toString();
    if (k === 'q' || k === 'Q' || k === '\u0003') stop();
  };
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.resume();
    process.stdin.on('data', onKey);
  }
  process.once('SIGINT', () => stop());
  let running = true;
  void stopped.then(() => (running = false));
  let last: Row[] | string = [];
  const draw = (): void => {
    const text =
      typeof last === 'string'
        ? last
        : tty
          ? renderTop(last, process.stdout.columns ?? 120, process.stdout.rows, true)
          : renderTop(last, 120, undefined, true);
    out(tty ? `\x1b[H\x1b[2J${text}` : text);
  };
  const onResize = (): void => draw();
  if (tty) {
    out('\x1b[?25l');
    process.stdout.on('resize', onResize);
  }
  try {
    while (running) {
      try {
        last = await topRows(nc);
      } catch (e) {
        last = `ztsdb top: ${(e as Error).message}\n`;
      }
      draw();
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000))]);
    }
  } finally {
    if (tty) {
      process.stdout.off('resize', onResize);
      out('\x1b[?25h');
    }
    if (process.stdin.isTTY) {
      process.stdin.off('data', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
}
