/**
 * Runs `load` (the first require of @nestjs/common) with Intl.DateTimeFormat replaced by a
 * lazy stand-in, then puts the real one back. Nest builds two date formatters when its
 * modules load, for the text log lines' timestamps; building one loads ICU's locale data:
 * about 8 MiB of RSS in each service process (5 MiB of it ICU data pages of the Node
 * binary), kept for good, for a timestamp ServiceLogger writes itself (logTimestamp). A
 * formatter made meanwhile builds the real one on its first use, so any code that still
 * formats with it gets what it asked for.
 */
export function withLazyDateTimeFormat<T>(load: () => T): T {
  const Real = Intl.DateTimeFormat;
  function Lazy(locales?: string | string[], options?: Intl.DateTimeFormatOptions): object {
    let real: Intl.DateTimeFormat | undefined;
    return new Proxy(
      {},
      {
        get(_target, key) {
          real ??= new Real(locales, options);
          const v: unknown = Reflect.get(real, key);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
        },
      },
    );
  }
  Intl.DateTimeFormat = Lazy as unknown as typeof Intl.DateTimeFormat;
  try {
    return load();
  } finally {
    Intl.DateTimeFormat = Real;
  }
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * A text log line's timestamp, local time: `12/06/2026, 7:46:15 AM`, the layout Nest's
 * formatter gives in the en-US locale (Node's default), without building one.
 */
export function logTimestamp(ms: number): string {
  const d = new Date(ms);
  const h = d.getHours();
  return (
    `${two(d.getMonth() + 1)}/${two(d.getDate())}/${d.getFullYear()}, ` +
    `${h % 12 || 12}:${two(d.getMinutes())}:${two(d.getSeconds())} ${h < 12 ? 'AM' : 'PM'}`
  );
}
