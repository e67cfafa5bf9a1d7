// Verification keys for `certgate/verify`: a JWKS (as `certgate keys` prints it) or keys given by
// hand, each resolved once to a KeyObject and the one algorithm it may verify. The algorithm
// comes from the key, never from the request, so a signature cannot pick a weaker algorithm.
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { algForKey, createVerifyFn, JWA_ALG } from '../wire/signature-algorithms.js';
import type { SignatureAlg, VerifyFn } from '../wire/signature-algorithms.js';

/** A JWK as found in a JWKS. */
export type Jwk = JsonWebKey & { kid?: string; alg?: string; use?: string };

/**
 * A KeyObject (public, private or secret), a PEM public key or certificate, a Buffer holding an
 * HMAC secret, or a JWK (OKP Ed25519, EC P-256, oct).
 */
export type VerificationKeyInput = KeyObject | string | Buffer | Jwk;

/** Keys looked up by keyid at verification time (a RemoteKeySet, or your own). Synchronous. */
export interface KeyLookup {
  getKey(keyId: string): VerificationKeyInput | undefined;
}

export type VerificationKeys = Readonly<Record<string, VerificationKeyInput>> | KeyLookup;

export function lookupKey(keys: VerificationKeys, keyId: string): VerificationKeyInput | undefined {
  if (typeof (keys as KeyLookup).getKey === 'function') return (keys as KeyLookup).getKey(keyId);
  const record = keys as Readonly<Record<string, VerificationKeyInput>>;
  return Object.hasOwn(record, keyId) ? record[keyId] : undefined;
}

export interface ResolvedKey {
  readonly alg: SignatureAlg;
  readonly verify: VerifyFn;
}

/** `{ keys: [...] }` to a key map by `kid`, ready for verifyForwardedRequest's `keys`. */
export function importJwks(jwks: { keys: readonly Jwk[] }): Record<string, Jwk> {
  // Read as unknown: Array.isArray would narrow a readonly Jwk[] to any[].
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- public API: JavaScript callers may pass no JWKS at all
  const keys: unknown = jwks ? jwks.keys : undefined;
  if (!Array.isArray(keys)) throw new TypeError('a JWKS has a "keys" array');
  const out: Record<string, Jwk> = {};
  for (const jwk of jwks.keys) {
    if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new TypeError('every JWK needs a "kid"');
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (Object.hasOwn(out, jwk.kid)) throw new TypeError(`duplicate kid ${jwk.kid}`);
    resolveKey(jwk); // fail now, not on the first request
    out[jwk.kid] = jwk;
  }
  return out;
}

// Resolved once per key input, not per request.
const resolved = new WeakMap<object, ResolvedKey>();

export function resolveKey(input: VerificationKeyInput): ResolvedKey {
  const cacheable = typeof input === 'object';
  if (cacheable) {
    const hit = resolved.get(input);
    if (hit) return hit;
  }
  const { key, declaredAlg } = toKeyObject(input);
  const alg = algForKey(key);
  if (alg === undefined) throw new TypeError('key is not Ed25519, EC P-256 or an HMAC secret');
  if (declaredAlg !== undefined && declaredAlg !== JWA_ALG[alg] && declaredAlg !== alg) {
    throw new TypeError(`JWK alg ${declaredAlg} does not fit a ${alg} key`);
  }
  const out: ResolvedKey = { alg, verify: createVerifyFn(alg, key) };
  if (cacheable) resolved.set(input, out);
  return out;
}

function toKeyObject(input: VerificationKeyInput): { key: KeyObject; declaredAlg?: string } {
  if (input instanceof KeyObject) return { key: input };
  if (typeof input === 'string') return { key: createPublicKey(input) };
  if (Buffer.isBuffer(input)) return { key: createSecretKey(input) };
  if (input.kty === 'oct') {
    if (typeof input.k !== 'string') throw new TypeError('oct JWK without "k"');
    return { key: createSecretKey(Buffer.from(input.k, 'base64url')), declaredAlg: input.alg };
  }
  // createPublicKey ignores `d`, so a private JWK still yields only the public half.
  return { key: createPublicKey({ key: input, format: 'jwk' }), declaredAlg: input.alg };
}
