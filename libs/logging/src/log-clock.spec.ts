import { logTimestamp, withLazyDateTimeFormat } from './log-clock';

// Nest's options for its log timestamps (console-logger.service.js).
const NEST_OPTIONS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  day: '2-digit',
  month: '2-digit',
};

describe('logTimestamp', () => {
  it("gives Nest's en-US layout in local time", () => {
    const en = new Intl.DateTimeFormat('en-US', NEST_OPTIONS);
    const times = [
      Date.UTC(2026, 11, 6, 7, 46, 15),
      Date.UTC(2024, 0, 1, 0, 0, 0),
      Date.UTC(2024, 0, 1, 12, 0, 9),
      Date.UTC(2023, 6, 31, 23, 59, 59),
      Date.UTC(2025, 1, 28, 11, 5, 0),
      Date.UTC(2025, 9, 10, 13, 30, 1),
    ];
    for (let i = 0; i < 48; i++) times.push(Date.UTC(2025, 2, 30, 0, 0, 0) + i * 30 * 60_000 + 7);
    // ICU may put a narrow no-break space before AM/PM; the layout is the same
    for (const t of times) expect(logTimestamp(t)).toBe(en.format(t).replace(/\u202f/g, ' '));
  });
});

describe('withLazyDateTimeFormat', () => {
  it('puts the real Intl.DateTimeFormat back, after a throw too', () => {
    const real = Intl.DateTimeFormat;
    expect(withLazyDateTimeFormat(() => Intl.DateTimeFormat === real)).toBe(false);
    expect(Intl.DateTimeFormat).toBe(real);
    expect(() =>
      withLazyDateTimeFormat(() => {
        throw new Error('load failed');
      }),
    ).toThrow('load failed');
    expect(Intl.DateTimeFormat).toBe(real);
  });

  it('builds the real formatter only on first use, and it then formats as asked', () => {
    const real = Intl.DateTimeFormat;
    let built = 0;
    const counting = function (...a: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      built++;
      return new real(...a);
    } as unknown as typeof Intl.DateTimeFormat;
    Intl.DateTimeFormat = counting;
    try {
      const made = withLazyDateTimeFormat(() => new Intl.DateTimeFormat('en-GB', NEST_OPTIONS));
      expect(built).toBe(0);
      const t = Date.UTC(2026, 11, 6, 19, 46, 15);
      expect(made.format(t)).toBe(new real('en-GB', NEST_OPTIONS).format(t));
      expect(made.resolvedOptions().locale).toBe('en-GB');
      expect(made.formatToParts(t).find((p) => p.type === 'year')?.value).toBe('2026');
      expect(built).toBe(1);
    } finally {
      Intl.DateTimeFormat = real;
    }
  });
});
