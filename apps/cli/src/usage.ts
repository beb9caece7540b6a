import { COMMANDS, type CommandGroup, type CommandSpec } from './command-table';

const GROUPS: Array<[CommandGroup, string]> = [
  ['service', 'services:'],
  ['client', 'client commands (talk to a running deployment at NATS_URL):'],
  ['tool', 'tools:'],
];

/** `ztsdb help`: every command in one line each. */
export function overview(): string {
  const lines = [
    'ztsdb: container metrics, collected with eBPF and stored in a time-series database',
    '',
    'usage: ztsdb <command> [arguments]     ztsdb <command> --help     ztsdb --version',
  ];
  for (const [group, title] of GROUPS) {
    lines.push('', title);
    for (const c of COMMANDS.filter((x) => x.group === group))
      lines.push(`  ${c.name.padEnd(12)}${c.summary}`);
    if (group === 'service')
      lines.push(
        `  ${'query'.padEnd(12)}the query service (with arguments, the client command below)`,
      );
  }
  lines.push(
    '',
    'Settings come from the environment; see docs/operations.md (NATS_URL, ZTSDB_DATA_DIR,',
    'ZTSDB_PARTITIONS, ZTSDB_HTTP_ADDR, ZTSDB_SOURCE, ZTSDB_LOG_FORMAT, ...).',
    'ZTSDB_DEBUG=1 shows the stack of an error.',
    '',
  );
  return lines.join('\n');
}

/** `ztsdb <command> --help`. */
export function commandHelp(c: CommandSpec): string {
  const lines = [`usage: ztsdb ${c.name}${c.synopsis ? ` ${c.synopsis}` : ''}`, '', c.summary];
  if (c.details?.length) lines.push('', ...c.details);
  const opts = Object.entries(c.options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`,
    o.help,
  ]);
  opts.push(['-h, --help', 'this text']);
  const w = Math.max(...opts.map(([l]) => l!.length));
  lines.push('', 'options:', ...opts.map(([l, h]) => `  ${l!.padEnd(w)}  ${h}`));
  if (c.examples?.length) lines.push('', 'examples:', ...c.examples.map((e) => `  ${e}`));
  lines.push('');
  return lines.join('\n');
}
