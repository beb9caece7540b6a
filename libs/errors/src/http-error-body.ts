/**
 * The body of every error answer of ztsdb's own HTTP endpoints: `{"error": message,
 * "code": "ZTSDB_..."}` (the Prometheus API under /api/v1 keeps Prometheus's shape).
 */
export function httpErrorBody(message: string, code: string): string {
  return JSON.stringify({ error: message, code });
}

/** A request for a path no endpoint serves, in that shape (code ZTSDB_NOT_FOUND). */
export function notFoundBody(method: string | undefined, url: string | undefined): string {
  const path = (url ?? '/').split('?')[0];
  return httpErrorBody(`no endpoint ${method ?? 'GET'} ${path}`, 'ZTSDB_NOT_FOUND');
}

/** The code for an HTTP status outside the query errors' own (a 404 route, a 405, a body too large). */
export function codeForStatus(status: number): string {
  if (status === 404) return 'ZTSDB_NOT_FOUND';
  if (status === 405) return 'ZTSDB_METHOD_NOT_ALLOWED';
  if (status === 413) return 'ZTSDB_TOO_LARGE';
  if (status === 401 || status === 403) return 'ZTSDB_UNAUTHORIZED';
  return status >= 400 && status < 500 ? 'ZTSDB_BAD_REQUEST' : 'ZTSDB_INTERNAL';
}
