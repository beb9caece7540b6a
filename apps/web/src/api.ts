/**
 * The UI's only way to the data: the query service's public HTTP API, same origin.
 * With ZTSDB_HTTP_TOKEN set on the server, the token the user typed is sent as a bearer token.
 */

const TOKEN_KEY = 'ztsdb.token';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorType?: string,
  ) {
    super(message);
  }
}

export function savedToken(): string {
  return globalThis.localStorage?.getItem(TOKEN_KEY) ?? '';
}

export function saveToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** GET `path` with `params`, parsed as JSON; a non-2xx answer becomes an ApiError with the server's message. */
export async function getJson<T>(
  path: string,
  params: Record<string, string | string[]> = {},
  signal?: AbortSignal,
): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
  const headers: Record<string, string> = {};
  const token = savedToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const q = qs.toString();
  const res = await fetch(q ? `${path}?${q}` : path, { headers, signal });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const b = (body ?? {}) as { error?: string; errorType?: string };
    throw new ApiError(b.error ?? `${res.status} ${res.statusText}`, res.status, b.errorType);
  }
  return body as T;
}

export type Labels = Record<string, string>;
export interface VectorSample {
  metric: Labels;
  value: [number, string];
}
export interface MatrixSeries {
  metric: Labels;
  values: Array<[number, string]>;
}
export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

interface PromAnswer<T> {
  status: 'success' | 'error';
  data: T;
  warnings?: string[];
}

/** PromQL instant query (GET /api/v1/query). */
export async function instant(
  query: string,
  timeSec?: number,
  signal?: AbortSignal,
): Promise<{ data: QueryData; warnings: string[] }> {
  const p: Record<string, string> = { query };
  if (timeSec !== undefined) p.time = String(timeSec);
  const a = await getJson<PromAnswer<QueryData>>('/api/v1/query', p, signal);
  return { data: a.data, warnings: a.warnings ?? [] };
}

/** PromQL range query (GET /api/v1/query_range); times in seconds. */
export async function range(
  query: string,
  startSec: number,
  endSec: number,
  stepSec: number,
  signal?: AbortSignal,
): Promise<{ data: QueryData; warnings: string[] }> {
  const a = await getJson<PromAnswer<QueryData>>(
    '/api/v1/query_range',
    { query, start: String(startSec), end: String(endSec), step: String(stepSec) },
    signal,
  );
  return { data: a.data, warnings: a.warnings ?? [] };
}

/** The matrix of a range query (empty for other result types). */
export function matrixOf(d: QueryData): MatrixSeries[] {
  return d.resultType === 'matrix' ? d.result : [];
}

export function vectorOf(d: QueryData): VectorSample[] {
  return d.resultType === 'vector' ? d.result : [];
}
