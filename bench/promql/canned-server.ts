// A server that answers every HTTP request on 127.0.0.1 with the same bytes as JSON, as a query
// server would. Run as a script (`node canned-server.js FILE [socket]`) it is the exchange
// floor's server (timed-requests.ts, exchangeFloor), a process of its own as both query servers
// are, and prints its port on stdout once it listens. With `socket` it answers from a raw
// `net` socket instead of node:http: the least any Node server can spend on the exchange.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';

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

const HEAD_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^content-length:\s*(\d+)\s*$/im;

/**
 * The same answer written straight to the socket, with no HTTP layer but the framing the
 * benchmark's client needs: a request ends after its head and `content-length` body bytes
 * (keep-alive, one request at a time).
 */
export async function serveAnswerFromSocket(answer: Buffer): Promise<net.Server> {
  const head = Buffer.from(
    'HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n' +
      `content-length: ${answer.length}\r\nconnection: keep-alive\r\n\r\n`,
  );
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
      for (;;) {
        const end = pending.indexOf(HEAD_END);
        if (end < 0) return;
        const length = CONTENT_LENGTH.exec(pending.toString('latin1', 0, end));
        const whole = end + HEAD_END.length + (length ? Number(length[1]) : 0);
        if (pending.length < whole) return;
        pending = pending.subarray(whole);
        socket.cork();
        socket.write(head);
        socket.write(answer);
        socket.uncork();
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

export function portOf(server: http.Server | net.Server): number {
  return (server.address() as { port: number }).port;
}

if (require.main === module) {
  const answer = fs.readFileSync(process.argv[2]!);
  const serving = process.argv[3] === 'socket' ? serveAnswerFromSocket : serveAnswer;
  void serving(answer).then((server) => {
    process.stdout.write(`${portOf(server)}\n`);
    process.on('SIGTERM', () => server.close(() => process.exit(0)));
  });
}
