// A service's /metrics text as the benchmarks read it: fetched over loopback HTTP, and a metric
// summed over the series whose labels contain a given text.
import * as http from 'node:http';

/** GET `path` on 127.0.0.1:`port`; resolves with the body as text. */
export function getText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

/**
 * The sum of `name` over its series in the text exposition `body`; with `labels`, only over
 * the series whose label text contains it (such as `endpoint="query_range"`).
 */
export function metricSum(body: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(name)) continue;
    const next = line[name.length];
    if (next !== ' ' && next !== '{') continue;
    if (labels !== '' && (next !== '{' || !line.includes(labels))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
