import * as fs from 'node:fs';

/** Resident kB of this process's mappings of `file` (the Rss lines of /proc/self/smaps). */
export function residentKbOf(file: string): number {
  let inFile = false;
  let kb = 0;
  for (const line of fs.readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(file);
    else if (inFile && line.startsWith('Rss:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}
