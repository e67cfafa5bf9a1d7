// What the demo's echo upstream says about the gateway's RFC 9421 signature: it verifies each
// request with `certgate/verify` exactly as a real upstream would, against the gateway's published
// keys (the admin listener's JWKS) or, without an admin listener, the public half of the key file.
import { createPublicKey } from 'node:crypto';
import type http from 'node:http';
import type { UpstreamConfig } from '../config/types.js';
import { importJwks, isCertgateVerifyError, verifyForwardedRequest } from '../verify/index.js';
import type { Jwk, VerificationKeys } from '../verify/index.js';

/** `verified (keyid …)`, or why not, for one request the echo received. */
export type DescribeSignature = (req: http.IncomingMessage) => string;

/** The gateway's public signing keys: from `jwksUrl` when given, else from the upstream's key file. */
export async function gatewayVerificationKeys(upstream: UpstreamConfig, jwksUrl: string | undefined): Promise<VerificationKeys> {
  if (jwksUrl !== undefined) {
    const res = await fetch(jwksUrl);
    if (!res.ok) throw new Error(`GET ${jwksUrl} answered ${res.status}`);
    return importJwks((await res.json()) as { keys: Jwk[] });
  }
  const sig = upstream.signature;
  return sig === undefined || sig.alg === 'hmac-sha256' ? {} : { [sig.keyId]: createPublicKey(sig.key) };
}

export function signatureDescriber(upstream: UpstreamConfig, keys: VerificationKeys): DescribeSignature {
  const { header, format, chainHeader } = upstream.clientCert;
  const opts = { keys, maxAge: 30, certHeader: header, format, ...(chainHeader === undefined ? {} : { chainHeader }) };
  return (req) => {
    try {
      const id = verifyForwardedRequest({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, opts);
      return `verified (keyid ${id.keyId})`;
    } catch (err) {
      if (isCertgateVerifyError(err)) return `not verified: ${err.code}: ${err.message}`;
      return `not verified: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
}
