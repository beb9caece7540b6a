/** `--key value`, `--key=value` and `--flag` options, and positional arguments. */
export interface CliArgs {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: string[], flagNames: readonly string[] = []): CliArgs {
  const out: CliArgs = { positional: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) out.options.set(key, a.slice(eq + 1));
    else if (flagNames.includes(key)) out.flags.add(key);
    else if (i + 1 < argv.length) out.options.set(key, argv[++i]!);
    else throw new Error(`option --${key} needs a value`);
  }
  return out;
}
