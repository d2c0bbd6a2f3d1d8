// A raw HTTP/1.1 client for hostile requests: it writes exactly the bytes it is given (a
// fetch client would refuse or normalise most of them) and reads the answer until the server
// closes the connection, within a bounded time.
import { connect } from 'node:net';
import type { RawRequest } from './fuzz-requests.ts';

export type RawAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly head: string; readonly body: Buffer }
  /** The server closed or reset the connection without a status line. */
  | { readonly kind: 'closed'; readonly error: string }
  | { readonly kind: 'timeout' };

function encode(req: RawRequest): Buffer {
  const lines = [`${req.method} ${req.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...req.headers.map(([k, v]) => `${k}: ${v}`)];
  if (req.body === null) return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (!req.chunked) return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${req.body.length}\r\n\r\n`, 'latin1'), req.body]);
  const head = Buffer.from(`${lines.join('\r\n')}\r\nTransfer-Encoding: chunked\r\n\r\n`, 'latin1');
  const chunk = req.body.length === 0 ? [] : [Buffer.from(`${req.body.length.toString(16)}\r\n`), req.body, Buffer.from('\r\n')];
  return Buffer.concat([head, ...chunk, Buffer.from('0\r\n\r\n')]);
}

function parse(bytes: Buffer): RawAnswer | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const head = bytes.subarray(0, end).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (status === null) return null;
  const body = bytes.subarray(end + 4);
  return { kind: 'response', status: Number(status[1]), head, body: /\r\ntransfer-encoding: *chunked/i.test(head) ? dechunk(body) : body };
}

/** The payload of a chunked body (as much of it as arrived). */
function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  // Bounded: every pass moves past one chunk of the finite buffer, or stops.
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd === -1) break;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Sends `req` to 127.0.0.1:`port`; the answer, or a timeout after `timeoutMs`. */
export function sendRaw(port: number, req: RawRequest, timeoutMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let settled = false;
    const settle = (answer: RawAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
    const finish = (error: string): void => {
      const answer = parse(Buffer.concat(received));
      settle(answer ?? { kind: 'closed', error });
    };
    socket.on('data', (d: Buffer) => received.push(d));
    // The server may answer and close before it has read the whole body (an oversize body):
    // a reset after a status line is still that answer.
    socket.on('error', (err) => finish(err.message));
    socket.on('end', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.write(encode(req));
  });
}
