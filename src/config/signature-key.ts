// The RFC 9421 signing key, read and imported once at load. Its type must fit `alg` (signing ed25519
// with an EC key, or hmac with a private key read as bytes, would produce signatures no upstream
// verifies); the signer's own signingKeyProblem decides that.
import { createPrivateKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { looksLikeDer, pemBlocks, readConfiguredFile } from './config-files.js';
import { reportError, type LoadContext, type YamlValue } from './load-context.js';
import type { SignatureAlg } from './types.js';
import { signingKeyProblem } from '../signing/signing-key.js';

export function loadSignatureKey(ctx: LoadContext, node: YamlValue, key: string, configured: string, alg: SignatureAlg): { key: KeyObject; path: string } | undefined {
  const file = readConfiguredFile(ctx, node, key, configured, 'signature key file');
  if (!file) return undefined;
  const fail = (message: string): void => {
    reportError(ctx, node, key, message);
  };
  // The signer's own check (signature-algorithms.ts), so `check` and the runtime judge a key alike.
  const checked = (k: KeyObject): { key: KeyObject; path: string } | undefined => {
    const problem = signingKeyProblem(alg, k, file.path);
    if (problem) {
      fail(problem);
      return undefined;
    }
    return { key: k, path: file.path };
  };
  const text = file.data.toString('utf8');
  const jwk = parseJwk(text);
  if (alg === 'hmac-sha256') {
    let secret: Buffer;
    if (jwk) {
      if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') {
        fail(`alg hmac-sha256 needs a secret key; ${file.path} holds a JWK of kty '${String(jwk.kty)}'`);
        return undefined;
      }
      secret = Buffer.from(jwk.k, 'base64url');
    } else if (pemBlocks(text).length > 0) {
      fail(`alg hmac-sha256 needs a secret key; ${file.path} holds a PEM ${pemBlocks(text)[0]!.label}`);
      return undefined;
    } else {
      secret = secretBytes(file.data);
    }
    return checked(createSecretKey(secret));
  }
  let k: KeyObject;
  try {
    if (jwk) {
      if (jwk.kty === 'oct') {
        fail(`alg ${alg} needs a private key; ${file.path} holds a secret (kty 'oct') JWK`);
        return undefined;
      }
      k = createPrivateKey({ key: jwk, format: 'jwk' });
    } else if (looksLikeDer(file.data)) {
      k = createPrivateKey({ key: file.data, format: 'der', type: 'pkcs8' });
    } else if (pemBlocks(text).length > 0) {
      k = createPrivateKey(text);
    } else {
      fail(`alg ${alg} needs a private key (PEM PKCS#8 or JWK); ${file.path} holds neither`);
      return undefined;
    }
  } catch {
    fail(`signature key file ${file.path} holds no usable private key (expected unencrypted PEM PKCS#8 or a private JWK)`);
    return undefined;
  }
  return checked(k);
}

function parseJwk(text: string): JsonWebKey | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' && typeof (v as JsonWebKey).kty === 'string' ? (v as JsonWebKey) : undefined;
  } catch {
    return undefined;
  }
}

/** A text file that is entirely base64 (or base64url) is decoded; anything else is raw bytes. */
function secretBytes(data: Buffer): Buffer {
  const t = data.toString('utf8').trim();
  if (t.length > 0 && /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) && t.length % 4 !== 1) {
    return Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  return data;
}
