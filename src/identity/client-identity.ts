// The client identity of a TLS connection from what Node reports after the handshake: the peer
// certificate, the chain OpenSSL built, and `authorized` / `authorizationError`.
//
// Node's getPeerX509Certificate() links the chain through `issuerCertificate`. After a full
// handshake that chain reaches the trust anchor; on a resumed session OpenSSL keeps only the leaf
// (see test/identity/client-identity.test.ts), so callers must keep the chain from the full
// handshake (or rebuild it) rather than call peerChain() again.
import type { X509Certificate } from 'node:crypto';
import type { ClientIdentity } from './types.js';
import { describeCertificate } from './client-certificate.js';

export interface IdentityInput {
  /** The peer certificate; absent when the client sent none. */
  readonly leaf?: X509Certificate;
  /** The chain above the leaf, trust anchor last (see peerChain). */
  readonly chain: readonly X509Certificate[];
  readonly authorized: boolean;
  /** tlsSocket.authorizationError: an OpenSSL verify code such as CERT_HAS_EXPIRED. */
  readonly authorizationError?: string | Error | null;
}

export function buildIdentity(input: IdentityInput): ClientIdentity {
  if (!input.leaf) return { chain: [], verify: 'NONE' };
  const certificate = describeCertificate(input.leaf);
  if (input.authorized) return { certificate, chain: [...input.chain], verify: 'SUCCESS' };
  return { certificate, chain: [], verify: 'FAILED', verifyReason: verifyReason(input.authorizationError) };
}

/**
 * The certificates above `leaf` as linked by `issuerCertificate`, trust anchor last. Stops at a
 * self-issued certificate (the anchor), at a missing link, or after `maxDepth` certificates (a
 * guard against loops; verify-depth policy is the caller's).
 */
export function peerChain(leaf: X509Certificate, maxDepth = 16): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current = leaf;
  while (chain.length < maxDepth && !isSelfIssued(current)) {
    const issuer = current.issuerCertificate;
    if (!issuer || issuer.raw.equals(current.raw)) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

function isSelfIssued(cert: X509Certificate): boolean {
  return cert.checkIssued(cert);
}

/** Node reports verify failures as OpenSSL codes; anything else (no code at all) becomes UNKNOWN. */
export function verifyReason(error: string | Error | null | undefined): string {
  const code = typeof error === 'string' ? error : (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : 'UNKNOWN';
}

export type VerifyFailureKind =
  | 'untrusted'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_purpose'
  | 'chain_too_long'
  | 'revoked'
  | 'invalid';

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
};

const DESCRIPTIONS: Readonly<Record<VerifyFailureKind, string>> = {
  untrusted: 'client certificate is not issued by a trusted CA',
  expired: 'client certificate has expired',
  not_yet_valid: 'client certificate is not yet valid',
  wrong_purpose: 'client certificate is not valid for TLS client authentication',
  chain_too_long: 'client certificate chain is longer than allowed',
  revoked: 'client certificate has been revoked',
  invalid: 'client certificate could not be verified',
};

/** What a verify reason means, for the error body and metrics (the reason itself is for logs). */
export function classifyVerifyFailure(reason: string): { kind: VerifyFailureKind; description: string } {
  const kind = FAILURE_KINDS[reason] ?? 'invalid';
  return { kind, description: DESCRIPTIONS[kind] };
}
