// The body half of the verification (issue 14): the covered Content-Digest (RFC 9530) must be the
// digest of the body the upstream received, and, when the caller requires it, a request with a
// body must carry one. Without it a captured signature could carry any other body.
import { timingSafeEqual } from 'node:crypto';
import { parseDictionary } from 'structured-headers';
import { DIGEST_ALGORITHMS, digestOf, type DigestAlgorithm } from '../wire/content-digest.js';
import { CertgateVerifyError } from './errors.js';
import type { RequestView } from './request-view.js';

/** The raw body bytes as received, or a function that returns the digest of them for an algorithm. */
export type BodyInput = Uint8Array | ((alg: DigestAlgorithm) => Uint8Array);

/** Checks every sha-256 / sha-512 member of the covered Content-Digest against `body`. */
export function checkContentDigest(view: RequestView, body: BodyInput): void {
  const lines = view.fields.get('content-digest');
  // The signature covers the field, so verifyMessageSignature found it: absent cannot happen here.
  let dict;
  try {
    dict = parseDictionary((lines ?? []).join(', '));
  } catch (err) {
    throw new CertgateVerifyError('ERR_MALFORMED', 'Content-Digest is not a structured dictionary', { component: 'content-digest', cause: err });
  }
  let checked = 0;
  for (const [name, member] of dict) {
    // RFC 9530 section 2: algorithms the recipient does not know are ignored.
    if (!Object.hasOwn(DIGEST_ALGORITHMS, name)) continue;
    const value = member[0];
    if (!(value instanceof ArrayBuffer)) throw new CertgateVerifyError('ERR_MALFORMED', `Content-Digest ${name} is not a byte sequence`, { component: 'content-digest' });
    const alg = name as DigestAlgorithm;
    const actual = typeof body === 'function' ? body(alg) : digestOf(alg, body);
    const expected = new Uint8Array(value);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new CertgateVerifyError('ERR_DIGEST_MISMATCH', `Content-Digest ${name} does not match the body`, { component: 'content-digest' });
    }
    checked++;
  }
  if (checked === 0) throw new CertgateVerifyError('ERR_MALFORMED', 'Content-Digest has no sha-256 or sha-512 member', { component: 'content-digest' });
}

/**
 * Whether the request has a body: the bytes given, else what its framing declares (a hashing
 * function says nothing about the length).
 */
export function hasBody(view: RequestView, body: BodyInput | undefined): boolean {
  if (body !== undefined && typeof body !== 'function') return body.length > 0;
  const length = view.fields.get('content-length');
  return view.fields.has('transfer-encoding') || (length !== undefined && length.some((v) => v.trim() !== '0'));
}
