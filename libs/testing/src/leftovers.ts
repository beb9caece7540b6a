import * as fs from 'node:fs';
import * as os from 'node:os';

/** Entries of the temporary folder whose names start with `prefix` (what a test may leave behind). */
export function tempEntries(prefix: string): string[] {
  return fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(prefix));
}

/** This process's mappings (lines of /proc/self/maps) whose path contains `part`: files kept mapped. */
export function mappingsOf(part: string): string[] {
  return fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.includes(part));
}
