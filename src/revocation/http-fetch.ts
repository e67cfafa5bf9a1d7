// One bounded HTTP exchange for revocation data (OCSP POST, CRL GET) over undici: a hard
// deadline covering connect, headers and body, and a size cap, so a slow or hostile responder
// can neither hang a connection's check nor fill memory.
import { Agent, request } from 'undici';

class FetchError extends Error {
  readonly code = 'ERR_REVOCATION_FETCH';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  readonly method: 'GET' | 'POST';
  readonly body?: Buffer;
  readonly contentType?: string;
  readonly timeout: number;
  readonly maxBytes: number;
}

export function createAgent(timeout: number): Agent {
  return new Agent({ connect: { timeout }, keepAliveTimeout: 10_000, connections: 8 });
}

export async function fetchBytes(agent: Agent, url: string, o: FetchOptions): Promise<Buffer> {
  const u = new URL(url);
  // Only plain HTTP: RFC 5280/6960 distribution points and responders are HTTP, and following
  // other schemes (file:, ldap:) from a client-supplied certificate would be an SSRF vector.
  if (u.protocol !== 'http:') throw new FetchError(`unsupported URL scheme ${u.protocol}`);
  const signal = AbortSignal.timeout(o.timeout);
  try {
    const res = await request(u, {
      method: o.method,
      body: o.body,
      headers: o.contentType ? { 'content-type': o.contentType } : {},
      dispatcher: agent,
      signal,
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      throw new FetchError(`HTTP ${res.statusCode} from ${url}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > o.maxBytes) {
        res.body.destroy();
        throw new FetchError(`response from ${url} exceeds ${o.maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof FetchError) throw e;
    if (signal.aborted) throw new FetchError(`timed out after ${o.timeout} ms: ${url}`, { cause: e });
    throw new FetchError(`${(e as Error).message}: ${url}`, { cause: e });
  }
}
