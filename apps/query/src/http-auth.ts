import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isWebUiShell } from './web-ui/web-ui-paths';

/** Endpoints that stay open with a token set: probes of orchestrators and load balancers. */
const OPEN_PATHS = new Set(['/healthz', '/readyz']);

/** The configured bearer token: ZTSDB_HTTP_TOKEN, or the contents of ZTSDB_HTTP_TOKEN_FILE; undefined = open. */
export function httpToken(settings: {
  ZTSDB_HTTP_TOKEN: string;
  ZTSDB_HTTP_TOKEN_FILE: string;
}): string | undefined {
  if (settings.ZTSDB_HTTP_TOKEN) return settings.ZTSDB_HTTP_TOKEN.trim();
  if (settings.ZTSDB_HTTP_TOKEN_FILE)
    return readFileSync(settings.ZTSDB_HTTP_TOKEN_FILE, 'utf8').trim();
  return undefined;
}

// Hashing both sides first makes them equal in length, so the comparison takes
// the same time whatever the presented token is.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * A guard for the query API's HTTP server: with a token, every request but
 * GET /healthz, /readyz and the web UI's shell (web-ui-paths.ts: code, no data) must carry `Authorization: Bearer <token>`; others
 * are answered 401 with a JSON error and `WWW-Authenticate: Bearer`. Returns
 * true when it answered (the request must go no further). Without a token it
 * lets everything through.
 */
export function bearerGuard(
  token: string | undefined,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  if (!token) return () => false;
  const want = digest(token);
  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (OPEN_PATHS.has(path) || isWebUiShell(req.method, path)) return false;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (m && timingSafeEqual(digest(m[1]!), want)) return false;
    const body = JSON.stringify({
      error: m
        ? 'the bearer token is not valid'
        : 'this endpoint needs "Authorization: Bearer <token>" (ZTSDB_HTTP_TOKEN)',
      code: 'ZTSDB_UNAUTHORIZED',
    });
    res.writeHead(401, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'www-authenticate': m ? 'Bearer error="invalid_token"' : 'Bearer',
    });
    res.end(body);
    return true;
  };
}
