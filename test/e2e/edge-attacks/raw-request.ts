// A raw HTTP/1.1 exchange over a real TLS connection: the request line and headers are written
// byte for byte, since HTTP clients normalise paths (`/a/../b`, `%2e`) before sending them.
import tls from 'node:tls';

export interface RawResponse {
  readonly status: number;
  /** Lower-case name -> value (last wins). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The connection closed without any response bytes. */
  readonly closedWithoutAnswer: boolean;
}

export interface RawRequestOptions {
  readonly port: number;
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  /** Everything before the blank line, without the final CRLF CRLF; `Connection: close` is added. */
  readonly head: string;
}

/** Sends `head` with `Connection: close` and reads the one response until the server closes. */
export function rawRequest(opts: RawRequestOptions): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: opts.port, servername: 'localhost', ca: opts.ca, cert: opts.cert, key: opts.key });
    const chunks: Buffer[] = [];
    socket.on('secureConnect', () => socket.write(`${opts.head}\r\nConnection: close\r\n\r\n`, 'latin1'));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      if (text.length === 0) return resolve({ status: 0, headers: {}, body: '', closedWithoutAnswer: true });
      const split = text.indexOf('\r\n\r\n');
      const lines = text.slice(0, split).split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: text.slice(split + 4), closedWithoutAnswer: false });
    });
  });
}

/** `code` and `error_description` of a JSON error body; empty strings when the body is not one. */
export function jsonCode(res: RawResponse): { code: string; description: string } {
  try {
    const body = JSON.parse(res.body) as { code?: unknown; error_description?: unknown };
    return { code: typeof body.code === 'string' ? body.code : '', description: typeof body.error_description === 'string' ? body.error_description : '' };
  } catch {
    return { code: '', description: '' };
  }
}
