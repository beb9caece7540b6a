import { UsageError } from './cli-args';

/** A command that ran but did not do what was asked ("no series matched"): its message, exit code 1. */
export class CommandFailed extends Error {
  readonly exitCode = 1;
}

/** True when ZTSDB_DEBUG asks for the stacks of errors. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.ZTSDB_DEBUG !== undefined && !['', '0', 'false', 'no'].includes(env.ZTSDB_DEBUG);
}

/**
 * What the user sees of an error: one line naming the command (a usage
 * mistake also points at the command's help), never a stack unless
 * ZTSDB_DEBUG is set. Returns the exit code.
 */
export function reportError(e: unknown, write: (line: string) => void, command?: string): number {
  const err = e instanceof Error ? e : new Error(String(e));
  const named =
    command ?? (err instanceof UsageError && err.command !== 'ztsdb' ? err.command : undefined);
  const where = named ? `ztsdb ${named}` : 'ztsdb';
  if (err instanceof UsageError) {
    const help = named ? `ztsdb ${named} --help` : 'ztsdb --help';
    write(`${where}: ${err.message} (see "${help}")`);
  } else write(`${where}: ${oneLine(err.message)}`);
  if (debugEnabled() && err.stack) write(err.stack);
  return err instanceof UsageError || err instanceof CommandFailed ? err.exitCode : 1;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ');
}

/**
 * The query service's words for its parameters (`parameter "agg" needs "step", e.g.
 * agg=sum&step=60s`) in the command line's (`--agg needs --step, e.g. --agg sum --step 60s`).
 */
export function cliWording(message: string): string {
  const OPTS = 'start|end|step|agg|by|lookback|time';
  return message
    .replace(/parameter "(series|match)"/g, 'the selector')
    .replace(new RegExp(`parameter "(${OPTS})"`, 'g'), '--$1')
    .replace(new RegExp(`"(${OPTS})"`, 'g'), '--$1')
    .replace(
      new RegExp(`\\b(${OPTS})=([^&\\s)]+)(&(?=\\w))?`, 'g'),
      (_m, k: string, v: string, amp?: string) => `--${k} ${v}${amp ? ' ' : ''}`,
    );
}
