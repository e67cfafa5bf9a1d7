// The trust anchors a listener verifies client certificates against, with a generation number
// that changes whenever they change, so every cache keyed on "verified under these anchors"
// (identities, resumed sessions) can tell that it is out of date.
import type { X509Certificate } from 'node:crypto';
import { x5tS256 } from '../wire/thumbprint.js';
import type { CertificateFile } from '../config/types.js';

export class TrustStore {
  private static nextGeneration = 1;
  generation = TrustStore.nextGeneration++;
  private byThumbprint = new Map<string, X509Certificate>();
  private bySubject = new Map<string, X509Certificate[]>();
  /** CA certificates seen in verified chains, so a resumed session can be re-verified without them in the config. */
  private readonly seenIntermediates = new Map<string, X509Certificate>();
  private files: readonly CertificateFile[] = [];

  constructor(files: readonly CertificateFile[]) {
    this.replace(files);
  }

  /** Atomically swaps the anchors; callers rotate TLS ticket keys at the same time. */
  replace(files: readonly CertificateFile[]): void {
    const byThumbprint = new Map<string, X509Certificate>();
    const bySubject = new Map<string, X509Certificate[]>();
    for (const file of files) {
      for (const cert of file.certificates) {
        byThumbprint.set(x5tS256(cert.raw), cert);
        const list = bySubject.get(cert.subject) ?? [];
        list.push(cert);
        bySubject.set(cert.subject, list);
      }
    }
    this.files = files;
    this.byThumbprint = byThumbprint;
    this.bySubject = bySubject;
    this.seenIntermediates.clear();
    this.generation = TrustStore.nextGeneration++;
  }

  get caFiles(): readonly CertificateFile[] {
    return this.files;
  }

  get pem(): string[] {
    return this.files.map((f) => f.pem);
  }

  get anchors(): X509Certificate[] {
    return [...this.byThumbprint.values()];
  }

  isTrusted(cert: X509Certificate): boolean {
    return this.byThumbprint.has(x5tS256(cert.raw));
  }

  rememberChain(chain: readonly X509Certificate[]): void {
    for (const ca of chain) {
      if (this.seenIntermediates.size > 1000) return;
      this.seenIntermediates.set(x5tS256(ca.raw), ca);
    }
  }

  /**
   * Rebuilds the chain above `leaf` from the current anchors and known intermediates, checking each
   * signature: used for resumed TLS sessions, which OpenSSL does not re-verify.
   */
  rebuildChain(leaf: X509Certificate, maxDepth: number, now = Date.now()): X509Certificate[] | undefined {
    const chain: X509Certificate[] = [];
    let current = leaf;
    for (let depth = 0; depth <= maxDepth + 1; depth++) {
      const issuer = this.findIssuer(current, now);
      if (!issuer) return undefined;
      chain.push(issuer);
      if (this.isTrusted(issuer) && issuer.checkIssued(issuer)) return chain;
      if (this.isTrusted(issuer) && !this.findIssuer(issuer, now)) return chain;
      current = issuer;
    }
    return undefined;
  }

  private findIssuer(cert: X509Certificate, now: number): X509Certificate | undefined {
    const candidates = [...(this.bySubject.get(cert.issuer) ?? [])];
    for (const ca of this.seenIntermediates.values()) if (ca.subject === cert.issuer) candidates.push(ca);
    for (const ca of candidates) {
      if (ca === cert || ca.raw.equals(cert.raw)) continue;
      if (Date.parse(ca.validTo) < now || Date.parse(ca.validFrom) > now) continue;
      if (cert.checkIssued(ca) && cert.verify(ca.publicKey)) return ca;
    }
    return undefined;
  }
}
