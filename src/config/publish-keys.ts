// `upstreams.<name>.signature.publishKeys`: public keys published in the JWKS but never used to
// sign, so the next key reaches every upstream one reload before the gateway signs with it (and
// the previous one stays published while signatures made with it can still arrive).
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { isScalar } from 'yaml';
import { ConfigSection } from './config-section.js';
import { readConfiguredFile } from './config-files.js';
import { reportError, type LoadContext, type YamlValue } from './load-context.js';
import type { PublishedKey } from './types.js';
import { algForKey } from '../wire/signature-algorithms.js';

export function readPublishKeys(s: ConfigSection, signingKeyId: string | undefined): PublishedKey[] {
  const items = s.list('publishKeys');
  if (!items) return [];
  const out: PublishedKey[] = [];
  const seen = new Set<string>(signingKeyId === undefined ? [] : [signingKeyId]);
  for (const item of items) {
    let file: string | undefined;
    let keyId: string | undefined;
    let at: YamlValue = item.node;
    let fileKey = item.path;
    if (isScalar(item.node)) {
      file = typeof item.node.value === 'string' ? item.node.value : undefined;
      if (file === undefined) reportError(s.ctx, item.node, item.path, 'expected a key file or { keyFile, keyId }');
    } else {
      const m = ConfigSection.open(s.ctx, item.node, item.path, ['keyFile', 'keyId']);
      file = m?.string('keyFile', { required: true });
      keyId = m?.string('keyId', { required: true });
      if (m) {
        at = m.at('keyFile');
        fileKey = m.keyPath('keyFile');
      }
    }
    if (file === undefined) continue;
    const loaded = loadPublicKey(s.ctx, at, fileKey, file);
    if (!loaded) continue;
    const kid = keyId ?? jwkThumbprint(loaded.key);
    if (seen.has(kid)) {
      reportError(s.ctx, item.node, item.path, `keyId '${kid}' is already published by this upstream`);
      continue;
    }
    seen.add(kid);
    out.push({ keyId: kid, ...loaded });
  }
  return out;
}

function loadPublicKey(ctx: LoadContext, node: YamlValue, key: string, configured: string): Omit<PublishedKey, 'keyId'> | undefined {
  const file = readConfiguredFile(ctx, node, key, configured, 'published key file');
  if (!file) return undefined;
  const text = file.data.toString('utf8').trim();
  let pub: KeyObject;
  try {
    // A private key file is accepted too (the next signing key); only its public half is kept.
    pub = text.startsWith('{') ? createPublicKey({ key: JSON.parse(text) as import('node:crypto').JsonWebKey, format: 'jwk' }) : createPublicKey(text);
  } catch {
    reportError(ctx, node, key, `published key file ${file.path} holds no usable public key (PEM or JWK)`);
    return undefined;
  }
  // A public key never reads as hmac-sha256 (algForKey gives that to secret keys only).
  const alg = algForKey(pub);
  if (!alg) {
    reportError(ctx, node, key, `published key file ${file.path} must hold an Ed25519 or EC P-256 key`);
    return undefined;
  }
  return { alg, key: pub, path: file.path };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): the default keyId of a published key. */
function jwkThumbprint(key: KeyObject): string {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  const members = kty === 'EC' ? { crv, kty, x, y } : { crv, kty, x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
