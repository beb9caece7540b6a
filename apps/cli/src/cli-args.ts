import { parseArgs as parseNodeArgs, type ParseArgsConfig } from 'node:util';
import { findCommand, type CommandSpec } from './command-table';

/** A command's arguments after strict parsing against its spec (command-table.ts). */
export interface CliArgs {
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
}

/** A mistake on the command line: one line for the user, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

/** True when `--help` or `-h` comes before a `--` (where positionals start). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

// A value that starts with '-' and a digit is a relative time or a negative number
// (`--start -5m`, `--end -30s`), never an option name.
const DASH_VALUE = /^-\.?\d/;

/**
 * node:util parseArgs (strict) takes `--start -5m` as a missing value; this joins such
 * pairs into `--start=-5m` first. Only for string options and values that are numbers
 * or durations, so `--start --json` still says that --start needs a value.
 */
function joinDashValues(spec: CommandSpec, argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name && spec.options[name]?.type === 'string' && next && DASH_VALUE.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** node's parseArgs messages, in our words, on one line. */
function usageMessage(e: Error & { code?: string }): string {
  const opt = /'(-[^' ]*)/.exec(e.message)?.[1];
  // "'-s, --start <value>'": the long name is the last dash word.
  const long = /'(?:-\w, )?(--[\w-]+)/.exec(e.message)?.[1] ?? opt;
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `option ${long} takes no value`;
      if (/ambiguous/.test(e.message))
        return `option ${long} needs a value (for a value that starts with "-", write ${long}=VALUE)`;
      return `option ${long} needs a value`;
    default:
      return e.message.split('\n')[0]!;
  }
}

/**
 * Parses `argv` (what follows the command name) strictly against the command's
 * spec: unknown options, missing values, values outside `choices` and a wrong
 * number of positionals are UsageErrors. `--help` is not handled here (wantsHelp).
 */
export function parseCommandArgs(command: string, argv: readonly string[]): CliArgs {
  const spec = findCommand(command);
  if (!spec) throw new UsageError(command, `unknown command ${JSON.stringify(command)}`);
  const options: ParseArgsConfig['options'] = {};
  for (const [name, o] of Object.entries(spec.options))
    options[name] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({
      args: joinDashValues(spec, argv),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError(command, usageMessage(e as Error));
  }
  const out: CliArgs = { positional: parsed.positionals, options: new Map(), flags: new Set() };
  for (const [name, v] of Object.entries(parsed.values)) {
    const o = spec.options[name]!;
    if (typeof v === 'boolean') {
      if (v) out.flags.add(name);
      continue;
    }
    const value = String(v);
    if (o.choices && !o.choices.includes(value))
      throw new UsageError(
        command,
        `--${name} must be one of ${o.choices.join(', ')}, not ${JSON.stringify(value)}`,
      );
    out.options.set(name, value);
  }
  const { min, max, name } = spec.positionals;
  const n = out.positional.length;
  if (n < min) throw new UsageError(command, `${name ?? 'an argument'} is missing`);
  if (n > max)
    throw new UsageError(
      command,
      max === 0
        ? `takes no arguments, got ${JSON.stringify(out.positional[0])}`
        : `takes at most ${max} ${name ?? 'argument'}, got ${n}: ${out.positional.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  return out;
}
