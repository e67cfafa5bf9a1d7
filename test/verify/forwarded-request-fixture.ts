// Builds requests the way an upstream receives them from certgate: identity headers encoded by
// src/wire/header-codecs.ts, signed by the request signer, names lower-cased as in Node's
// req.headers. Also crafts signatures certgate would never make, to test the verifier's refusals.
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { CertHeaderFormat, SignatureAlg, SignatureConfig } from '../../src/config/types.js';
import { encodeCertHeader, encodeChainHeader, pemToDer } from '../../src/wire/header-codecs.js';
import { createRequestSigner } from '../../src/signing/request-signer.js';
import { createSignFn } from '../../src/signing/signing-key.js';
import { buildSignatureBase, signatureParamsValue } from '../../src/wire/signature-base.js';
import type { ComponentLine, SignatureParams } from '../../src/wire/signature-base.js';
import { readMessage } from '../fixtures/rfc9421/rfc9421-fixtures.js';

/** RFC 9421 B.3's client certificate (an EC P-256 leaf). */
export const LEAF_DER: Buffer = Buffer.from(/^:(.*):$/.exec(readMessage('b3-proxy-request.http').headers.find(([n]) => n === 'Client-Cert')![1])![1]!, 'base64');
/** Two real CA certificates standing in for a chain above the leaf. */
export const CHAIN_DER: Buffer[] = [pemToDer(rootCertificates[0]!)[0]!, pemToDer(rootCertificates[1]!)[0]!];

/** As the config loader fills it: expires 30 s after created, bodies up to 64 KiB digested. */
export function signatureConfig(alg: SignatureAlg, keyId = `k-${alg}`, expiresIn = 30): SignatureConfig & { publicKey: KeyObject } {
  const defaults = { keyPath: '<test>', expiresIn, digestMaxBody: 65536, largeBodies: 'reject' } as const;
  if (alg === 'hmac-sha256') {
    const key = createSecretKey(randomBytes(32));
    return { alg, keyId, key, publicKey: key, ...defaults };
  }
  const { privateKey, publicKey } = alg === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { alg, keyId, key: privateKey, publicKey, ...defaults };
}

export interface ForwardOptions {
  readonly sig: SignatureConfig;
  readonly format?: CertHeaderFormat;
  readonly certHeader?: string;
  readonly chainHeader?: string;
  /** Send the leaf (and chain); false for a request without a client certificate. */
  readonly withCert?: boolean;
  readonly method?: string;
  readonly url?: string;
  readonly authority?: string;
  readonly now?: number;
  /** Extra headers the gateway adds and signs. */
  readonly extraAdded?: readonly string[];
}

export interface ForwardedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What certgate would send upstream: client headers, identity headers, Signature(-Input). */
export function forwardedRequest(o: ForwardOptions): ForwardedRequest {
  const format = o.format ?? 'pem-urlencoded';
  const certHeader = o.certHeader ?? 'X-Client-Cert';
  const method = o.method ?? 'POST';
  const url = o.url ?? '/token?grant=client_credentials';
  const authority = o.authority ?? 'idp.internal:8443';
  const added: string[] = [];
  if (o.withCert !== false) {
    const details = format === 'xfcc' ? { chain: CHAIN_DER, subject: 'CN=BC' } : {};
    added.push(certHeader, encodeCertHeader(format, LEAF_DER, details));
    if (o.chainHeader !== undefined && format !== 'xfcc') added.push(o.chainHeader, encodeChainHeader(format, CHAIN_DER));
    added.push('X-Client-Verify', 'SUCCESS', 'X-Client-Subject-DN', 'CN=BC');
  } else {
    added.push('X-Client-Verify', 'NONE');
  }
  added.push(...(o.extraAdded ?? []));
  const q = url.indexOf('?');
  const signed = createRequestSigner(o.sig).sign({
    method,
    authority,
    path: q === -1 ? url : url.slice(0, q),
    ...(q === -1 ? {} : { query: url.slice(q) }),
    added,
    ...(o.now === undefined ? {} : { now: o.now }),
  });
  const headers: Record<string, string | string[] | undefined> = {
    host: authority,
    'content-type': 'application/x-www-form-urlencoded',
    'x-forwarded-for': '192.0.2.1',
  };
  for (let i = 0; i < added.length; i += 2) headers[added[i]!.toLowerCase()] = added[i + 1]!;
  headers['signature-input'] = signed.signatureInput;
  headers.signature = signed.signature;
  return { method, url, headers };
}

/** A `certgate` signature over arbitrary components and parameters, for refusal tests. */
export function craftSignature(sig: SignatureConfig, lines: readonly ComponentLine[], params: SignatureParams): { 'signature-input': string; signature: string } {
  const value = signatureParamsValue(
    lines.map(([id]) => id),
    params,
  );
  const mac = createSignFn(sig.alg, sig.key)(buildSignatureBase(lines, value));
  return { 'signature-input': `certgate=${value}`, signature: `certgate=:${mac.toString('base64')}:` };
}
