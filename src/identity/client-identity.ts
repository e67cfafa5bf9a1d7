// The client identity of a TLS connection from what Node reports after the handshake: the peer
// certificate, the chain OpenSSL built, and `authorized` / `authorizationError`.
//
// Node does not expose the chain OpenSSL verified (see peerChain and
// test/identity/client-identity.test.ts); on a resumed session it exposes only the leaf, so callers
// keep the chain from the full handshake, or rebuild it from the trusted CAs.
import type { X509Certificate } from 'node:crypto';
import type { ClientCertificate, ClientIdentity } from './types.js';
import { describeCertificate } from './client-certificate.js';

export interface IdentityInput {
  /** The peer certificate; absent when the client sent none. */
  readonly leaf?: X509Certificate;
  /** The chain above the leaf, trust anchor last (see peerChain). */
  readonly chain: readonly X509Certificate[];
  readonly authorized: boolean;
  /** tlsSocket.authorizationError: an OpenSSL verify code such as CERT_HAS_EXPIRED. */
  readonly authorizationError?: string | Error | null;
  /** The leaf already described (callers caching per certificate); described here otherwise. */
  readonly certificate?: ClientCertificate;
  /** See ClientIdentity.verifyDetail. */
  readonly verifyDetail?: string;
}

export function buildIdentity(input: IdentityInput): ClientIdentity {
  if (!input.leaf) return Object.freeze({ chain: Object.freeze([]), verify: 'NONE' as const });
  const certificate = input.certificate ?? describeCertificate(input.leaf);
  if (input.authorized) return Object.freeze({ certificate, chain: Object.freeze([...input.chain]), verify: 'SUCCESS' as const });
  return Object.freeze({
    certificate,
    chain: Object.freeze([]),
    verify: 'FAILED' as const,
    verifyReason: verifyReason(input.authorizationError),
    ...(input.verifyDetail !== undefined ? { verifyDetail: input.verifyDetail } : {}),
  });
}

/**
 * The chain above `leaf`, trust anchor last: what OpenSSL verified, rebuilt from what Node exposes.
 *
 * Node's `issuerCertificate` links only the certificates the client sent (plus, when the client
 * sent just the leaf, the anchor), never an intermediate that came from the server's `ca` list,
 * and nothing at all after session resumption. So each missing link is looked up in `trusted`
 * (the listener's trustedCAs: anchors and configured intermediates), and every link is checked
 * (name and signature) so a stray certificate the client sent cannot enter the chain.
 * Stops at a self-issued certificate, at a link it cannot find, or after `maxDepth` certificates.
 */
export function peerChain(leaf: X509Certificate, maxDepth = 16, trusted: readonly X509Certificate[] = []): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current = leaf;
  while (chain.length < maxDepth && !isSelfIssued(current)) {
    const linked = current.issuerCertificate;
    const issuer = linked && issues(linked, current) ? linked : trusted.find((ca) => issues(ca, current));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

function issues(ca: X509Certificate, cert: X509Certificate): boolean {
  return !ca.raw.equals(cert.raw) && cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

function isSelfIssued(cert: X509Certificate): boolean {
  return cert.checkIssued(cert);
}

/** Node reports verify failures as OpenSSL codes; anything else (no code at all) becomes UNKNOWN. */
export function verifyReason(error: string | Error | null | undefined): string {
  const code = typeof error === 'string' ? error : (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : 'UNKNOWN';
}

export type VerifyFailureKind = 'untrusted' | 'expired' | 'not_yet_valid' | 'wrong_purpose' | 'chain_too_long' | 'revoked' | 'invalid';

const FAILURE_KINDS: Readonly<Record<string, VerifyFailureKind>> = {
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_REJECTED: 'untrusted',
  CERT_HAS_EXPIRED: 'expired',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'expired',
  CERT_NOT_YET_VALID: 'not_yet_valid',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'not_yet_valid',
  INVALID_PURPOSE: 'wrong_purpose',
  INVALID_CA: 'invalid',
  CERT_CHAIN_TOO_LONG: 'chain_too_long',
  PATH_LENGTH_EXCEEDED: 'chain_too_long',
  CERT_REVOKED: 'revoked',
  CERT_SIGNATURE_FAILURE: 'invalid',
  // certgate's own reasons (src/tls/peer-identity.ts), for resumed TLS sessions.
  RESUMED_SESSION_UNVERIFIABLE: 'untrusted',
  TRUST_ANCHOR_REMOVED: 'untrusted',
  CLIENT_KEY_POLICY: 'invalid',
  CERT_UNDESCRIBABLE: 'invalid',
};

const DESCRIPTIONS: Readonly<Record<VerifyFailureKind, string>> = {
  untrusted: 'client certificate is not issued by a trusted CA',
  expired: 'client certificate has expired',
  not_yet_valid: 'client certificate is not yet valid',
  wrong_purpose: 'client certificate is not valid for TLS client authentication',
  chain_too_long: 'client certificate chain is longer than verifyDepth allows',
  revoked: 'client certificate has been revoked',
  invalid: 'client certificate could not be verified',
};

/** Reasons whose own wording says more than their kind's. */
const REASON_DESCRIPTIONS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'client certificate is self-signed and not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'client certificate chain ends in an untrusted self-signed CA',
  CERT_SIGNATURE_FAILURE: 'client certificate signature is invalid',
  RESUMED_SESSION_UNVERIFIABLE: 'resumed TLS session could not be re-verified against the current trust anchors',
  TRUST_ANCHOR_REMOVED: 'client certificate chains to a CA that is no longer trusted',
  CLIENT_KEY_POLICY: 'client certificate key is not allowed by the key policy',
  CERT_UNDESCRIBABLE: 'certificate cannot be parsed',
};

/** What a verify reason means, for the error body and metrics (the reason itself is for logs). */
export function classifyVerifyFailure(reason: string): { kind: VerifyFailureKind; description: string } {
  const kind = FAILURE_KINDS[reason] ?? 'invalid';
  return { kind, description: REASON_DESCRIPTIONS[reason] ?? DESCRIPTIONS[kind] };
}
