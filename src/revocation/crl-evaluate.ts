// The CRL decision for one certificate, as a pure function of the CRLs on hand (RFC 5280 6.3.3,
// for complete CRLs issued by the certificate's own issuer, plus delta CRLs). Kept free of I/O so
// the store, the tests and the PKITS conformance script share one implementation.
import type { CertInfo } from '../x509/certificate-info.js';
import type { ParsedCrl } from '../x509/crl-parser.js';
import { formatName } from '../x509/der-name.js';
import { encodeTlv } from '../x509/der-reader.js';
import { verifySignature } from '../x509/signature.js';

export interface CrlRecord {
  readonly crl: ParsedCrl;
  /** File path or URL, for log lines. */
  readonly origin: string;
  /** Signature results per issuer certificate fingerprint: a CRL is verified once per issuer. */
  readonly verified: Map<string, boolean>;
}

export type CrlOutcome =
  | {
      readonly kind: 'answer';
      readonly status: 'good' | 'revoked';
      readonly revokedAt?: Date;
      readonly reason?: string;
      /** nextUpdate of the CRL used (or undefined when it has none). */
      readonly validUntil?: number;
      readonly detail: string;
    }
  /** Usable CRLs exist but all are past nextUpdate: the answer counts as unknown. */
  | { readonly kind: 'stale'; readonly detail: string; readonly record: CrlRecord }
  /** CRLs exist for this issuer but none could be used (bad signature, out of scope, unsupported). */
  | { readonly kind: 'error'; readonly detail: string }
  | { readonly kind: 'no-source' };

export interface EvaluateOptions {
  readonly now: number;
  /** Tolerance for a thisUpdate slightly in the future (clock skew between CA and gateway). */
  readonly clockSkew: number;
  /** Called once per CRL that fails its signature or authority check, for a log line. */
  readonly onInvalid?: (record: CrlRecord, why: string) => void;
}

export function recordOf(crl: ParsedCrl, origin: string): CrlRecord {
  return { crl, origin, verified: new Map() };
}

/** Why this CRL cannot speak for `cert` as issued by `issuer`, or undefined when it can. */
export function crlProblem(rec: CrlRecord, cert: CertInfo, issuer: CertInfo, o: EvaluateOptions): string | undefined {
  const crl = rec.crl;
  if (!crl.issuerDer.equals(cert.issuerDer)) return 'issued by another name';
  if (crl.authorityKeyId && issuer.subjectKeyId && !crl.authorityKeyId.equals(issuer.subjectKeyId)) return 'signed by another key of this CA';
  if (crl.unsupportedCritical) return `unsupported critical extension ${crl.unsupportedCritical}`;
  const idp = crl.idp;
  if (idp) {
    if (idp.indirectCRL) return 'indirect CRLs are not supported';
    if (idp.onlySomeReasons) return 'partitioned by reason (onlySomeReasons) is not supported';
    if (idp.onlyAttributeCerts) return 'covers attribute certificates only';
    if (idp.onlyUserCerts && cert.isCA) return 'covers end-entity certificates only';
    if (idp.onlyCACerts && !cert.isCA) return 'covers CA certificates only';
    if (idp.hasRelativeName) return 'nameRelativeToCRLIssuer is not supported';
    if (idp.fullNames.length > 0) {
      // RFC 5280 6.3.3 (b)(2)(i): a partitioned CRL applies only to certificates naming its
      // distribution point (or, without one, to the issuer's own name as directoryName).
      const names = new Set(idp.fullNames);
      const dps = cert.crlDistributionPoints;
      const match = dps.length > 0 ? dps.some((dp) => dp.fullNames.some((n) => names.has(n))) : names.has(encodeTlv(0xa4, crl.issuerDer).toString('hex'));
      if (!match) return 'distribution point does not match the certificate';
    }
  }
  if (crl.thisUpdate.getTime() > o.now + o.clockSkew) return `thisUpdate ${crl.thisUpdate.toISOString()} is in the future`;
  // The CRL issuer must be allowed to sign CRLs (RFC 5280 4.2.1.3) and the signature must hold.
  let ok = rec.verified.get(issuer.thumbprint);
  if (ok === undefined) {
    ok = (!issuer.keyUsage || issuer.keyUsage.cRLSign) && verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, issuer.x509.publicKey);
    rec.verified.set(issuer.thumbprint, ok);
    if (!ok) o.onInvalid?.(rec, issuer.keyUsage && !issuer.keyUsage.cRLSign ? 'issuer lacks cRLSign' : 'bad signature');
  }
  if (!ok) return issuer.keyUsage && !issuer.keyUsage.cRLSign ? 'issuer lacks cRLSign' : 'bad signature';
  return undefined;
}

const isStale = (c: ParsedCrl, now: number): boolean => c.nextUpdate !== undefined && c.nextUpdate.getTime() < now;

export function evaluateCrls(records: readonly CrlRecord[], cert: CertInfo, issuer: CertInfo, o: EvaluateOptions): CrlOutcome {
  if (records.length === 0) return { kind: 'no-source' };
  const problems: string[] = [];
  const complete: CrlRecord[] = [];
  const deltas: CrlRecord[] = [];
  for (const r of records) {
    const why = crlProblem(r, cert, issuer, o);
    if (why) problems.push(`${r.origin}: ${why}`);
    else (r.crl.deltaBase === undefined ? complete : deltas).push(r);
  }
  if (complete.length === 0) {
    return problems.length ? { kind: 'error', detail: `no usable CRL for ${formatName(cert.issuerDer)}: ${problems.join('; ')}` } : { kind: 'no-source' };
  }
  // The newest complete CRL speaks; an older one that is still fresh never overrides it.
  complete.sort((a, b) => b.crl.thisUpdate.getTime() - a.crl.thisUpdate.getTime() || Number((b.crl.crlNumber ?? 0n) - (a.crl.crlNumber ?? 0n)));
  const base = complete[0]!;
  if (isStale(base.crl, o.now)) {
    return { kind: 'stale', record: base, detail: `CRL ${base.origin} from ${formatName(base.crl.issuerDer)} is past nextUpdate ${base.crl.nextUpdate!.toISOString()}` };
  }
  // RFC 5280 5.2.4: a delta applies to a base whose number is at least its BaseCRLNumber.
  const delta = deltas
    .filter((d) => !isStale(d.crl, o.now) && base.crl.crlNumber !== undefined && d.crl.deltaBase! <= base.crl.crlNumber && (d.crl.crlNumber ?? 0n) > base.crl.crlNumber)
    .sort((a, b) => Number((b.crl.crlNumber ?? 0n) - (a.crl.crlNumber ?? 0n)))[0];
  let validUntil = base.crl.nextUpdate?.getTime();
  if (delta) {
    const de = delta.crl.entry(cert.serial);
    const du = delta.crl.nextUpdate?.getTime();
    if (du !== undefined) validUntil = validUntil === undefined ? du : Math.min(validUntil, du);
    if (de) {
      if (de.unsupportedCritical) return { kind: 'error', detail: `delta CRL entry has unsupported critical extension ${de.unsupportedCritical}` };
      if (de.reason === 'removeFromCRL') return { kind: 'answer', status: 'good', validUntil, detail: `released from hold per delta CRL ${delta.origin}` };
      return revoked(de, delta, validUntil);
    }
  }
  const e = base.crl.entry(cert.serial);
  if (!e) return { kind: 'answer', status: 'good', validUntil, detail: `not listed in CRL ${base.origin}` };
  if (e.unsupportedCritical) return { kind: 'error', detail: `CRL entry has unsupported critical extension ${e.unsupportedCritical}` };
  // removeFromCRL in a complete CRL is odd but unambiguous: the certificate is not revoked.
  if (e.reason === 'removeFromCRL') return { kind: 'answer', status: 'good', validUntil, detail: `removed from CRL ${base.origin}` };
  return revoked(e, base, validUntil);
}

function revoked(e: { revokedAt: Date; reason?: string }, rec: CrlRecord, validUntil: number | undefined): CrlOutcome {
  return {
    kind: 'answer',
    status: 'revoked',
    revokedAt: e.revokedAt,
    reason: e.reason,
    validUntil,
    detail: `revoked at ${e.revokedAt.toISOString()}${e.reason ? ` (${e.reason})` : ''} per CRL ${rec.origin}`,
  };
}
