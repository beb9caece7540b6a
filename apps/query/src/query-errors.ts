import { ZtsdbError } from '@ztsdb/errors';

/** The series name is well-formed but nobody registered it. */
export class UnknownSeriesError extends ZtsdbError {
  constructor(name: string) {
    super(
      'ZTSDB_UNKNOWN_SERIES',
      `unknown series ${JSON.stringify(name)}; GET /series lists the known ones`,
      { series: name },
    );
  }
}

/** HTTP status for an error raised while answering a query. */
export function httpStatusOf(e: unknown): number {
  if (!(e instanceof ZtsdbError)) return 500;
  switch (e.code) {
    case 'ZTSDB_UNKNOWN_SERIES':
      return 404;
    case 'ZTSDB_LIMIT':
      return 422;
    case 'ZTSDB_TIMEOUT':
    case 'ZTSDB_BUSY':
      return 503;
    case 'ZTSDB_TOO_LARGE':
      return 413;
    default:
      return e.code.startsWith('ZTSDB_BAD_') ? 400 : 500;
  }
}
