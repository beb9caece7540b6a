import { parseCommandArgs, UsageError, wantsHelp } from './cli-args';
import { cliWording } from './cli-errors';

const usage = (command: string, argv: string[]): string => {
  try {
    parseCommandArgs(command, argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no UsageError');
};

describe('parseCommandArgs', () => {
  it('takes values that start with a dash and a digit (relative times)', () => {
    const a = parseCommandArgs('query', ['x', '--start', '-5m', '--end=-1m', '--json']);
    expect(a.positional).toEqual(['x']);
    expect(a.options.get('start')).toBe('-5m');
    expect(a.options.get('end')).toBe('-1m');
    expect(a.flags.has('json')).toBe(true);
  });

  it('keeps positionals after -- as they are', () => {
    expect(parseCommandArgs('query', ['--', '-1 * x']).positional).toEqual(['-1 * x']);
  });

  it('refuses unknown options, missing values, values of flags, bad choices and counts', () => {
    expect(usage('query', ['x', '--bogus'])).toBe('unknown option --bogus');
    expect(usage('query', ['x', '--start'])).toBe('option --start needs a value');
    expect(usage('query', ['x', '--start', '--json'])).toMatch(/^option --start needs a value/);
    expect(usage('query', ['x', '--json=yes'])).toBe('option --json takes no value');
    expect(usage('import', ['f', '--format', 'xml'])).toMatch(/--format must be one of csv, prom/);
    expect(usage('import', [])).toBe('FILE is missing');
    expect(usage('top', ['x'])).toBe('takes no arguments, got "x"');
    expect(usage('nosuch', [])).toBe('unknown command "nosuch"');
  });

  it('sees --help and -h before --, not after', () => {
    expect(wantsHelp(['x', '-h'])).toBe(true);
    expect(wantsHelp(['--', '-h'])).toBe(false);
  });
});

describe('cliWording', () => {
  it('puts the query service parameter names in the words of the command line', () => {
    expect(cliWording('parameter "agg" needs "step", e.g. agg=sum&step=60s')).toBe(
      '--agg needs --step, e.g. --agg sum --step 60s',
    );
    expect(cliWording('parameter "start" (5) is after "end" (1)')).toBe(
      '--start (5) is after --end (1)',
    );
  });
});
