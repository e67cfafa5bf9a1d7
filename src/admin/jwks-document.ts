// The document /.well-known/certgate-keys serves: the public keys of every upstream's signature
// config, as one JWKS (src/signing/public-jwks.ts), serialised once per loaded config.
import type { GatewayConfig, SignatureConfig } from '../config/types.js';
import { publicJwks } from '../signing/public-jwks.js';

export function jwksDocument(config: GatewayConfig): string {
  const signatures: SignatureConfig[] = [];
  for (const upstream of config.upstreams.values()) if (upstream.signature) signatures.push(upstream.signature);
  return JSON.stringify(publicJwks(signatures));
}
