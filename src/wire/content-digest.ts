// RFC 9530 Content-Digest: the hash of the message content as sent (after any Content-Encoding),
// one structured-field dictionary member per algorithm. The gateway writes sha-256; the verifier
// (src/verify/body-digest.ts) checks sha-256 and sha-512.
import { createHash } from 'node:crypto';
import { serializeDictionary } from 'structured-headers';

/** RFC 9530 section 5 algorithms this module computes, with their node:crypto names. */
export const DIGEST_ALGORITHMS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export function digestOf(alg: DigestAlgorithm, content: Uint8Array): Buffer {
  return createHash(DIGEST_ALGORITHMS[alg]).update(content).digest();
}

/** `sha-256=:<base64>:` for `content` (an empty body has a digest too: RFC 9530 section 2). */
export function contentDigestValue(content: Uint8Array): string {
  const bytes = new ArrayBuffer(32);
  digestOf('sha-256', content).copy(new Uint8Array(bytes));
  return serializeDictionary(new Map([['sha-256', [bytes, new Map()]]]));
}
