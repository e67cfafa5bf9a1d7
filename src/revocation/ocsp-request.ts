// OCSP request (RFC 6960 section 4.1) built with pkijs. The CertID uses SHA-1 because that is
// what deployed responders (openssl ocsp included) index by; the nonce (RFC 8954) binds the
// answer to this request so a recorded response cannot be replayed at us.
import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CertInfo } from '../x509/certificate-info.js';

const OID_SHA1 = '1.3.14.3.2.26';
export const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';

const HASH_NAMES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface BuiltOcspRequest {
  readonly der: Buffer;
  /** extnValue we sent (DER OCTET STRING of the random bytes), compared byte-for-byte with the echo. */
  readonly nonce?: Buffer;
}

/** Issuer name and key hashes of a CertID for the given hash OID, or undefined when unsupported. */
export function certIdHashes(cert: CertInfo, issuer: CertInfo, hashOid: string): { name: Buffer; key: Buffer } | undefined {
  const alg = HASH_NAMES[hashOid];
  if (!alg) return undefined;
  return {
    // The cert's issuer field, which equals the issuer's subject byte-for-byte in a valid chain.
    name: createHash(alg).update(cert.issuerDer).digest(),
    key: createHash(alg).update(issuer.publicKeyBits).digest(),
  };
}

/** Cache key for one certificate's status: SHA-1 CertID fields, which identify it across connections. */
export function certIdKey(cert: CertInfo, issuer: CertInfo): string {
  const h = certIdHashes(cert, issuer, OID_SHA1)!;
  return `${h.name.toString('hex')}:${h.key.toString('hex')}:${cert.serial}`;
}

export function buildOcspRequest(cert: CertInfo, issuer: CertInfo, withNonce: boolean): BuiltOcspRequest {
  const h = certIdHashes(cert, issuer, OID_SHA1)!;
  const certId = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID_SHA1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: h.name }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: h.key }),
    serialNumber: new asn1js.Integer({ valueHex: cert.serialBytes }),
  });
  const req = new pkijs.OCSPRequest();
  req.tbsRequest.requestList = [new pkijs.Request({ reqCert: certId })];
  let nonce: Buffer | undefined;
  if (withNonce) {
    const ber = new asn1js.OctetString({ valueHex: randomBytes(16) }).toBER(false);
    nonce = Buffer.from(ber);
    req.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID_OCSP_NONCE, extnValue: ber })];
  }
  return { der: Buffer.from(req.toSchema(true).toBER(false)), nonce };
}
