// The identify stage: the client identity of a TLS connection, computed once per connection and,
// through a bounded per-certificate cache, once per certificate and verdict.
//
// Node exposes the chain OpenSSL built only after a full handshake; after session resumption only
// the leaf and the original verdict survive, and OpenSSL does not re-verify the session against
// anchors that changed since. So resumed sessions are re-evaluated here against the current
// TrustStore (and the listener rotates ticket keys whenever trust changes, see tls-listener.ts).
import type { TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import type { ClientAuthConfig } from '../config/types.js';
import type { ClientIdentity, ClientCertificate } from '../identity/types.js';
import { describeCertificate } from '../identity/client-certificate.js';
import { buildIdentity, peerChain, verifyReason } from '../identity/client-identity.js';
import { thumbprintOf, type TrustStore } from './trust-store.js';

const NO_CERTIFICATE: ClientIdentity = buildIdentity({ chain: [], authorized: false });
/** Chains longer than this are not walked (far beyond any sane verifyDepth). */
const MAX_CHAIN = 16;
const CACHE_LIMIT = 10_000;

interface CacheEntry {
  readonly identity: ClientIdentity;
  readonly generation: number;
}

export class PeerIdentityResolver {
  /** Identities by `thumbprint|verdict`, for full handshakes. */
  private readonly verdicts = new Map<string, CacheEntry>();
  /** The last identity from a full handshake by thumbprint, for resumed sessions. */
  private readonly fullHandshakes = new Map<string, CacheEntry>();
  private readonly certificates = new Map<string, ClientCertificate>();

  constructor(
    private readonly clientAuth: ClientAuthConfig,
    private readonly trust: TrustStore,
  ) {}

  resolve(socket: TLSSocket): ClientIdentity {
    if (this.clientAuth.mode === 'off') return NO_CERTIFICATE;
    const leaf = socket.getPeerX509Certificate();
    if (!leaf) return NO_CERTIFICATE;
    const thumbprint = thumbprintOf(leaf.raw);
    const generation = this.trust.generation;
    if (socket.isSessionReused()) return this.resolveResumed(socket, leaf, thumbprint, generation);

    const reason = socket.authorized ? '' : verifyReason(socket.authorizationError);
    const key = `${thumbprint}|${reason}`;
    const hit = lruGet(this.verdicts, key);
    if (hit && hit.generation === generation) {
      lruSet(this.fullHandshakes, thumbprint, hit);
      return hit.identity;
    }
    const certificate = this.describe(leaf, thumbprint);
    let identity: ClientIdentity;
    if (socket.authorized) {
      const chain = peerChain(leaf, MAX_CHAIN, this.trust.anchors);
      identity = this.withDepthCheck(leaf, certificate, chain);
      this.trust.rememberChain(chain);
    } else {
      identity = failed(leaf, certificate, reason);
    }
    const entry = { identity, generation };
    lruSet(this.verdicts, key, entry);
    lruSet(this.fullHandshakes, thumbprint, entry);
    return identity;
  }

  /** Forget every cached verdict (trust anchors or CRLs changed). */
  clear(): void {
    this.verdicts.clear();
    this.fullHandshakes.clear();
  }

  private resolveResumed(socket: TLSSocket, leaf: X509Certificate, thumbprint: string, generation: number): ClientIdentity {
    const certificate = this.describe(leaf, thumbprint);
    const now = Date.now();
    if (certificate.notAfter.getTime() < now) return failed(leaf, certificate, 'CERT_HAS_EXPIRED');
    // The original verdict was a failure; it cannot have become a success.
    if (!socket.authorized) return failed(leaf, certificate, verifyReason(socket.authorizationError));
    const known = this.fullHandshakes.get(thumbprint);
    if (known && known.generation === generation && known.identity.verify === 'SUCCESS') return known.identity;
    const chain = this.trust.rebuildChain(leaf, this.clientAuth.verifyDepth, now);
    const identity = chain ? this.withDepthCheck(leaf, certificate, chain) : failed(leaf, certificate, 'RESUMED_SESSION_UNVERIFIABLE');
    lruSet(this.fullHandshakes, thumbprint, { identity, generation });
    return identity;
  }

  /** OpenSSL semantics of verify depth: the number of CA certificates between leaf and anchor. */
  private withDepthCheck(leaf: X509Certificate, certificate: ClientCertificate, chain: X509Certificate[]): ClientIdentity {
    const intermediates = Math.max(0, chain.length - 1);
    if (intermediates > this.clientAuth.verifyDepth) return failed(leaf, certificate, 'CERT_CHAIN_TOO_LONG');
    return buildIdentity({ leaf, certificate, chain, authorized: true });
  }

  private describe(leaf: X509Certificate, thumbprint: string): ClientCertificate {
    let certificate = lruGet(this.certificates, thumbprint);
    if (!certificate) {
      certificate = describeCertificate(leaf);
      lruSet(this.certificates, thumbprint, certificate);
    }
    return certificate;
  }
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
