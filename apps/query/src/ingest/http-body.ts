import type { IncomingMessage } from 'node:http';

/** A request the receivers refuse, with the HTTP status and reason to answer. */
export class ReceiverError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** The whole body, refused with 413 once it passes `maxBytes` (the declared length first). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(
      new ReceiverError(413, `body of ${declared} bytes is over ZTSDB_WRITE_MAX_BYTES=${maxBytes}`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        reject(new ReceiverError(413, `body over ZTSDB_WRITE_MAX_BYTES=${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** `type/subtype` of a Content-Type header, lower case, and its parameters. */
export function contentType(req: IncomingMessage): { type: string; params: Map<string, string> } {
  const [type = '', ...rest] = (req.headers['content-type'] ?? '').split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
  }
  return { type: type.trim().toLowerCase(), params };
}
