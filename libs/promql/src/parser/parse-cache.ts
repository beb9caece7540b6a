/**
 * Parsed expressions of recent queries: a dashboard sends the same few queries again and
 * again, and parsing one (lezer's parse, the tree walk, the type checks) costs about as much as
 * answering a small one. The engine never changes an expression, so one can serve every
 * evaluation. The key holds `step()` and `range()`'s values only for a text that may use them.
 */
import type * as ast from '../ast';
import { parsePromQL, type ParseOptions } from './parse';

/** Expressions kept (least recently used dropped first). */
export const PARSE_CACHE_ENTRIES = 256;
/** Longer texts are parsed every time: a cache of them would hold much memory for few hits. */
const MAX_CACHED_TEXT = 4096;
const USES_DURATION_FUNCTIONS = /\b(step|range)\s*\(/i;

const cache = new Map<string, ast.Expr>();

/** parsePromQL through the cache; errors are thrown anew each time, not kept. */
export function parseCached(query: string, options: ParseOptions = {}): ast.Expr {
  if (query.length > MAX_CACHED_TEXT) return parsePromQL(query, options);
  const d = options.durations;
  const key = USES_DURATION_FUNCTIONS.test(query)
    ? `${d ? `${d.stepMs}/${d.rangeMs}` : '-'}\n${query}`
    : query;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const expr = parsePromQL(query, options);
  cache.set(key, expr);
  if (cache.size > PARSE_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return expr;
}
