// The headers and sign stages: what the upstream receives. Client headers the gateway owns are
// stripped (one sanitiser, src/headers/sanitize-headers.ts), then the gateway's own are added:
// X-Forwarded-* and X-Real-IP (set, never appended to the client's), identity headers, upstream
// auth, the request ID, and the RFC 9421 signature over what the gateway added. What is the same
// for every request of a connection (all but X-Forwarded-Host, the request ID and the signature)
// is one block, built once per connection and upstream (forward/h1/header-block.ts).
import type { IncomingMessage } from 'node:http';
import type { UpstreamRuntime } from '../forward/upstream-runtime.js';
import { headerBlock, joinHeaderBlocks, type HeaderBlock } from '../forward/h1/header-block.js';
import type { ConnectionContext } from './connection-context.js';
import type { RequestIdHeader } from './request-id.js';
import { PendingBodySignature } from '../signing/body-signature.js';
import type { LargeBodies } from '../signing/config.js';

export interface UpstreamHeaders {
  /** flat [name, value, ...]: the client's headers that pass, then the per-request ones the gateway adds */
  readonly headers: string[];
  /** the per-connection fields the gateway adds */
  readonly block: HeaderBlock;
  readonly stripped: string[] | undefined;
  readonly hasBody: boolean;
  /** a body on a signing upstream: signed by the forward stage once read (forward/signed-body.ts) */
  readonly bodySignature: PendingBodySignature | undefined;
}

interface CachedBlock {
  readonly upstream: UpstreamRuntime;
  readonly block: HeaderBlock;
}

/** The last upstream's block per connection: most connections reach one upstream. */
const connectionBlocks = new WeakMap<ConnectionContext, CachedBlock>();

function connectionBlock(ctx: ConnectionContext, up: UpstreamRuntime): HeaderBlock {
  const hit = connectionBlocks.get(ctx);
  if (hit !== undefined && hit.upstream === up) return hit.block;
  const remote = ctx.remoteAddress;
  const forwarding = headerBlock(['host', up.authority, 'x-forwarded-for', remote, 'x-real-ip', remote, 'x-forwarded-proto', 'https']);
  const block = joinHeaderBlocks(forwarding, up.identityBlock(ctx.identity));
  connectionBlocks.set(ctx, { upstream: up, block });
  return block;
}

export function buildUpstreamHeaders(
  req: IncomingMessage,
  up: UpstreamRuntime,
  ctx: ConnectionContext,
  host: string | undefined,
  path: string,
  query: string | undefined,
  idHeader: RequestIdHeader,
  requestId: string,
  /** the route's `signature.largeBodies`, overriding the upstream's */
  largeBodies: LargeBodies | undefined,
): UpstreamHeaders {
  // The sanitiser has removed the client's copy of the ID header (upstream-runtime.ts).
  const { headers, stripped } = up.sanitizer.apply(req.rawHeaders);
  if (host !== undefined) headers.push('x-forwarded-host', host);
  headers.push(idHeader.name, requestId);
  const h = req.headers;
  const length = h['content-length'];
  const hasBody = h['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  let bodySignature: PendingBodySignature | undefined;
  if (up.signer) {
    const method = req.method ?? 'GET';
    const added = up.identityHeaders(ctx.identity);
    const input = { method, authority: up.authority, path, query, added, requestIdHeader: idHeader.name, requestId };
    const cfg = up.config.signature!;
    if (hasBody) bodySignature = new PendingBodySignature(up.signer, input, headers, cfg.digestMaxBody, largeBodies ?? cfg.largeBodies);
    else {
      // No body, no Content-Digest: a verifier with requireBodyCoverage refuses a body added later.
      const sig = up.signer.sign(input);
      headers.push('signature-input', sig.signatureInput, 'signature', sig.signature);
    }
  }
  return { headers, block: connectionBlock(ctx, up), stripped, hasBody, bodySignature };
}
