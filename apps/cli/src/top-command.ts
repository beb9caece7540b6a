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

interface Row {
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

export function renderTop(rows: Row[], width = 120): string {
  const head = ['CONTAINER ID', 'NAME', ...COLUMNS.map((c) => c.head)];
  const body = rows.map((r) => [
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
  return (
    all.map(line).join('\n') +
    `\n\n${rows.length} containers · ${new Date().toISOString()} · q or Ctrl-C quits\n`
  );
}

/** `ztsdb top`: a live table like `docker stats`, refreshed every second, until q or Ctrl-C. */
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
  if (tty) out('\x1b[?25l');
  try {
    while (running) {
      let text: string;
      try {
        text = renderTop(await topRows(nc), process.stdout.columns ?? 120);
      } catch (e) {
        text = `ztsdb top: ${(e as Error).message}\n`;
      }
      out(tty ? `\x1b[H\x1b[2J${text}` : text);
      await Promise.race([stopped, new Promise((r) => setTimeout(r, 1000))]);
    }
  } finally {
    if (tty) out('\x1b[?25h');
    if (process.stdin.isTTY) {
      process.stdin.off('data', onKey);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
}
