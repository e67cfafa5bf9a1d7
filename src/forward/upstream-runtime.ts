// Everything per upstream that the request path needs, provisioned once at start: the connection
// client (connection pool), the header sanitiser, the identity-header encoder, the upstream-auth
// headers and the signer.
import type { UpstreamConfig } from '../config/types.js';
import type { ClientIdentity } from '../identity/types.js';
import { compileSanitizer, type Sanitizer } from '../headers/sanitize-headers.js';
import { compileIdentityHeaders } from '../headers/identity-headers.js';
import { createRequestSigner, type RequestSigner } from '../signing/request-signer.js';
import { INFO_HEADER_NAMES } from '../wire/info-headers.js';
import type { UpstreamClient } from './forward-request.js';
import { headerBlock, type HeaderBlock } from './h1/header-block.js';
import { createUpstreamClient } from './upstream-pool.js';

export interface UpstreamRuntime {
  readonly config: UpstreamConfig;
  /** the h1 engine that reaches the upstream */
  readonly client: UpstreamClient;
  /** host[:port] the upstream sees in Host and @authority */
  readonly authority: string;
  readonly sanitizer: Sanitizer;
  readonly identityHeaders: (identity: ClientIdentity) => readonly string[];
  /** the identity headers then the upstream-auth headers as one block, built once per identity */
  readonly identityBlock: (identity: ClientIdentity) => HeaderBlock;
  /** flat [name, value, ...] the upstream-auth strategies add (src/config/upstream-auth.ts) */
  readonly authHeaders: readonly string[];
  readonly signer: RequestSigner | undefined;
}

/** `replacedHeaders`: the listeners' request-ID headers, whose client copies never pass. */
export function createUpstreamRuntime(config: UpstreamConfig, replacedHeaders: readonly string[] = []): UpstreamRuntime {
  const owned = [config.clientCert.header, ...INFO_HEADER_NAMES, ...config.stripHeaders];
  if (config.clientCert.chainHeader) owned.push(config.clientCert.chainHeader);
  const authHeaders: string[] = [];
  for (const auth of config.authentication) {
    if (auth.header === undefined) continue;
    authHeaders.push(auth.header[0], auth.header[1]);
    owned.push(auth.header[0]);
  }
  const identityHeaders = compileIdentityHeaders(config.clientCert);
  const blocks = new WeakMap<ClientIdentity, HeaderBlock>();
  const identityBlock = (identity: ClientIdentity): HeaderBlock => {
    let block = blocks.get(identity);
    if (block === undefined) {
      block = headerBlock([...identityHeaders(identity), ...authHeaders]);
      blocks.set(identity, block);
    }
    return block;
  };
  return {
    config,
    client: createUpstreamClient(config),
    authority: config.url.host,
    // A signing upstream gets the gateway's Content-Digest, never the client's (RFC 9530 clients
    // send one legitimately, so it is replaced silently rather than reported as spoofed).
    sanitizer: compileSanitizer({ ownedHeaders: owned, replacedHeaders: config.signature ? [...replacedHeaders, 'content-digest'] : replacedHeaders }),
    identityHeaders,
    identityBlock,
    authHeaders,
    signer: config.signature ? createRequestSigner(config.signature) : undefined,
  };
}
