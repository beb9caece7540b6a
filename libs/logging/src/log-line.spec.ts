import { jsonLogLine } from './log-line';

// ServiceLogger itself needs Nest (ESM only, not loadable in jest): test/cli/command-line.e2e.ts
// reads its lines from a running stack.
describe('jsonLogLine', () => {
  it('has the fields of pino: level name, time in ms, msg; then service and context', () => {
    const o = JSON.parse(
      jsonLogLine({ level: 'log', msg: 'started', service: 'collector', context: 'nats', time: 5 }),
    ) as Record<string, unknown>;
    expect(o).toEqual({
      level: 'info',
      time: 5,
      msg: 'started',
      pid: process.pid,
      service: 'collector',
      context: 'nats',
    });
  });

  it('keeps the stack of errors and extra fields, which never replace the fixed ones', () => {
    const o = JSON.parse(
      jsonLogLine({
        level: 'error',
        msg: new Error('boom'),
        service: 'all',
        fields: { containers: 3, msg: 'not this' },
      }),
    ) as Record<string, unknown>;
    expect(o).toMatchObject({ level: 'error', msg: 'boom', containers: 3 });
    expect(String(o.stack)).toMatch(/^Error: boom\n\s+at /);
  });
});
