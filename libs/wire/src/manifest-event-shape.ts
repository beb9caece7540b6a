/**
 * Whether a parsed manifest event body has the types its consumers rely on:
 * an object whose numeric fields are numbers, `object` a string, `chunks` a list of chunk refs
 * and `replaces` a list of names. (Kind, partition and file are checked by
 * decodeManifestEvent itself.) JSON.parse gives back any value, and a forged
 * or damaged event must be refused here, not fail later in a consumer.
 */
export function hasManifestEventShape(e: unknown): boolean {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const o = e as Record<string, unknown>;
  for (const k of ['bytes', 'crc32c', 'minT', 'maxT', 'seriesCount', 'points', 'atMs'])
    if (o[k] !== undefined && typeof o[k] !== 'number') return false;
  if (o.object !== undefined && typeof o.object !== 'string') return false;
  if (o.chunks !== undefined && !(Array.isArray(o.chunks) && o.chunks.every(isChunkRef)))
    return false;
  if (
    o.replaces !== undefined &&
    !(Array.isArray(o.replaces) && o.replaces.every((f) => typeof f === 'string'))
  )
    return false;
  return true;
}

function isChunkRef(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const r = c as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.minT === 'number' &&
    typeof r.maxT === 'number' &&
    typeof r.count === 'number'
  );
}
