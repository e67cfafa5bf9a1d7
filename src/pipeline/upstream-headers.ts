// The headers and sign stages: what the upstream receives. Client headers the gateway owns are
// stripped (one sanitiser, src/headers/sanitize-headers.ts), then the gateway's own are added:
// X-Forwarded-* and X-Real-IP (set, never appended to the client's), identity headers (encoded once per
// identity), upstream auth, and the RFC 9421 signature over what the gateway added.
import type { IncomingMessage } from 'node:http';
import type { ClientIdentity } from '../identity/types.js';
import type { UpstreamRuntime } from '../forward/upstream-runtime.js';

export interface UpstreamHeaders {
  /** flat [name, value, ...] */
  readonly headers: string[];
  readonly stripped: string[] | undefined;
  readonly hasBody: boolean;
}

export function buildUpstreamHeaders(
  req: IncomingMessage,
  up: UpstreamRuntime,
  identity: ClientIdentity,
  remoteAddress: string,
  host: string | undefined,
  path: string,
  query: string | undefined,
): UpstreamHeaders {
  const { headers, stripped } = up.sanitizer.apply(req.rawHeaders);
  headers.push('host', up.authority, 'x-forwarded-for', remoteAddress, 'x-real-ip', remoteAddress, 'x-forwarded-proto', 'https');
  if (host !== undefined) headers.push('x-forwarded-host', host);
  const added = up.identityHeaders(identity);
  for (let i = 0; i < added.length; i++) headers.push(added[i]!);
  const auth = up.authHeaders;
  for (let i = 0; i < auth.length; i++) headers.push(auth[i]!);
  if (up.signer) {
    const method = req.method ?? 'GET';
    const sig = up.signer.sign({ method, authority: up.authority, path, query, added });
    headers.push('signature-input', sig.signatureInput, 'signature', sig.signature);
  }
  const h = req.headers;
  const length = h['content-length'];
  const hasBody = h['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return { headers, stripped, hasBody };
}
