// A server that answers every HTTP request on 127.0.0.1 with the same bytes as JSON, as a query
// server would. Run as a script (`node canned-server.js FILE`) it is the exchange floor's server
// (timed-requests.ts, exchangeFloor), a process of its own as both query servers are, and
// prints its port on stdout once it listens.
import * as fs from 'node:fs';
import * as http from 'node:http';

/** Listens on a free loopback port; resolves once it does. */
export async function serveAnswer(answer: Buffer): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': answer.length,
      });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export function portOf(server: http.Server): number {
  return (server.address() as { port: number }).port;
}

if (require.main === module) {
  void serveAnswer(fs.readFileSync(process.argv[2]!)).then((server) => {
    process.stdout.write(`${portOf(server)}\n`);
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
  });
}
