// The identify stage: the client identity of a TLS connection, computed once per connection and,
// through a bounded per-certificate cache, once per certificate and verdict.
//
// Node exposes the chain OpenSSL built only after a full handshake; after session resumption only
// the leaf and the original verdict survive, and OpenSSL does not re-verify the session against
// anchors that changed since. So resumed sessions are re-evaluated here against the current
// TrustStore (and the listener rotates ticket keys whenever trust changes, see tls-listener.ts).
import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { ClientAuthConfig, ClientKeyPolicy } from '../config/types.js';
import type { ClientIdentity, ClientCertificate } from '../identity/types.js';
import { describeCertificate, UndescribableCertificateError } from '../identity/client-certificate.js';
import { keyPolicyViolation } from './key-policy.js';
import { buildIdentity, peerChain, verifyReason } from '../identity/client-identity.js';
import type { TrustStore } from './trust-store.js';

const NO_CERTIFICATE: ClientIdentity = buildIdentity({ chain: [], authorized: false });
/** Chains longer than this are not walked (far beyond any sane verifyDepth). */
const MAX_CHAIN = 16;
const CACHE_LIMIT = 10_000;

interface CacheEntry {
  readonly identity: ClientIdentity;
  readonly generation: number;
}

export class PeerIdentityResolver {
  /** Identities by `fingerprint|verdict`, for full handshakes. */
  private readonly verdicts = new Map<string, CacheEntry>();
  /** The last identity from a full handshake by fingerprint, for resumed sessions. */
  private readonly fullHandshakes = new Map<string, CacheEntry>();
  private readonly certificates = new Map<string, DescribedCertificate>();

  constructor(
    private readonly clientAuth: ClientAuthConfig,
    private readonly trust: TrustStore,
  ) {}

  resolve(socket: TLSSocket): ClientIdentity {
    if (this.clientAuth.mode === 'off') return NO_CERTIFICATE;
    const leaf = socket.getPeerX509Certificate();
    if (!leaf) return NO_CERTIFICATE;
    // The caches' key: OpenSSL's SHA-256 over the DER, read from the parsed certificate. Hashing
    // `leaf.raw` here instead (a copy of the DER, a JS hash object) cost about 20 µs per handshake;
    // the certificate's x5t#S256 is computed once per certificate, by describeCertificate.
    const fingerprint = leaf.fingerprint256;
    const generation = this.trust.generation;
    if (socket.isSessionReused()) return this.resolveResumed(socket, leaf, fingerprint, generation);

    const reason = socket.authorized ? '' : verifyReason(socket.authorizationError);
    const key = `${fingerprint}|${reason}`;
    const hit = lruGet(this.verdicts, key);
    if (hit && hit.generation === generation) {
      lruSet(this.fullHandshakes, fingerprint, hit);
      return hit.identity;
    }
    const described = this.describe(leaf, fingerprint);
    let identity: ClientIdentity;
    if (described.refusal !== undefined) {
      identity = refused(described);
    } else if (socket.authorized) {
      const chain = peerChain(leaf, MAX_CHAIN, this.trust.anchors);
      identity = this.withDepthCheck(leaf, described.certificate, chain);
      this.trust.rememberChain(chain);
    } else {
      identity = failed(leaf, described.certificate, reason);
    }
    const entry = { identity, generation };
    lruSet(this.verdicts, key, entry);
    lruSet(this.fullHandshakes, fingerprint, entry);
    return identity;
  }

  /** Forget every cached verdict (trust anchors or CRLs changed). */
  clear(): void {
    this.verdicts.clear();
    this.fullHandshakes.clear();
  }

  private resolveResumed(socket: TLSSocket, leaf: X509Certificate, fingerprint: string, generation: number): ClientIdentity {
    const described = this.describe(leaf, fingerprint);
    if (described.refusal !== undefined) return refused(described);
    const certificate = described.certificate;
    const now = Date.now();
    if (certificate.notAfter.getTime() < now) return failed(leaf, certificate, 'CERT_HAS_EXPIRED');
    // The original verdict was a failure; it cannot have become a success.
    if (!socket.authorized) return failed(leaf, certificate, verifyReason(socket.authorizationError));
    const known = this.fullHandshakes.get(fingerprint);
    if (known && known.generation === generation && known.identity.verify === 'SUCCESS') return known.identity;
    const chain = this.trust.rebuildChain(leaf, this.clientAuth.verifyDepth, now);
    const identity = chain ? this.withDepthCheck(leaf, certificate, chain) : failed(leaf, certificate, 'RESUMED_SESSION_UNVERIFIABLE');
    lruSet(this.fullHandshakes, fingerprint, { identity, generation });
    return identity;
  }

  /** OpenSSL semantics of verify depth: the number of CA certificates between leaf and anchor. */
  private withDepthCheck(leaf: X509Certificate, certificate: ClientCertificate, chain: X509Certificate[]): ClientIdentity {
    const intermediates = Math.max(0, chain.length - 1);
    if (intermediates > this.clientAuth.verifyDepth) return failed(leaf, certificate, 'CERT_CHAIN_TOO_LONG');
    return buildIdentity({ leaf, certificate, chain, authorized: true });
  }

  /**
   * The certificate described and held to the key policy, once per certificate. Refusals here
   * override OpenSSL's verdict, in every mode: optional_no_ca tolerates an unknown issuer, not
   * a weak key or a certificate nobody can read.
   */
  private describe(leaf: X509Certificate, fingerprint: string): DescribedCertificate {
    let described = lruGet(this.certificates, fingerprint);
    if (!described) {
      described = describeAndCheck(leaf, this.clientAuth.keyPolicy);
      lruSet(this.certificates, fingerprint, described);
    }
    return described;
  }
}

type DescribedCertificate =
  | { readonly certificate: ClientCertificate; readonly refusal?: undefined }
  | { readonly certificate: ClientCertificate | undefined; readonly refusal: { readonly reason: string; readonly detail: string } };

function describeAndCheck(leaf: X509Certificate, policy: ClientKeyPolicy): DescribedCertificate {
  let certificate: ClientCertificate;
  try {
    certificate = describeCertificate(leaf);
  } catch (err) {
    if (!(err instanceof UndescribableCertificateError)) throw err;
    return { certificate: undefined, refusal: { reason: err.code, detail: err.description } };
  }
  const violation = keyPolicyViolation(leaf, policy);
  return violation === undefined ? { certificate } : { certificate, refusal: { reason: 'CLIENT_KEY_POLICY', detail: violation } };
}

/** A certificate certgate refuses whatever OpenSSL said of it. */
function refused(described: DescribedCertificate): ClientIdentity {
  const { reason, detail } = described.refusal!;
  return Object.freeze({
    ...(described.certificate ? { certificate: described.certificate } : {}),
    chain: Object.freeze([]),
    verify: 'FAILED' as const,
    verifyReason: reason,
    verifyDetail: detail,
  });
}

function failed(leaf: X509Certificate, certificate: ClientCertificate, reason: string): ClientIdentity {
  return buildIdentity({ leaf, certificate, chain: [], authorized: false, authorizationError: reason });
}

function lruGet<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

function lruSet<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > CACHE_LIMIT) map.delete(map.keys().next().value as K);
}
