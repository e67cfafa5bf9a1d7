// Certificates and TLS private keys named by the config, parsed with node:crypto at load time so a
// broken or swapped file is reported by `certgate check`, not by the first handshake.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { looksLikeDer, pemBlocks, readConfiguredFile } from './config-files.js';
import { reportError, type LoadContext, type YamlValue } from './load-context.js';
import type { CertificateFile } from './types.js';

export function loadCertificateFile(ctx: LoadContext, node: YamlValue, key: string, configured: string, what = 'certificate file'): CertificateFile | undefined {
  const file = readConfiguredFile(ctx, node, key, configured, what);
  if (!file) return undefined;
  const certificates: X509Certificate[] = [];
  if (looksLikeDer(file.data)) {
    try {
      certificates.push(new X509Certificate(file.data));
    } catch (err) {
      reportError(ctx, node, key, `${what} ${file.path} is not a valid DER certificate: ${reason(err)}`);
      return undefined;
    }
  } else {
    const blocks = pemBlocks(file.data.toString('utf8'));
    const certBlocks = blocks.filter((b) => b.label === 'CERTIFICATE');
    if (certBlocks.length === 0) {
      const hasKey = blocks.some((b) => b.label.endsWith('PRIVATE KEY'));
      reportError(
        ctx,
        node,
        key,
        hasKey
          ? `${what} ${file.path} holds a private key, not a certificate (are cert and key swapped?)`
          : `${what} ${file.path} holds no certificate (expected PEM '-----BEGIN CERTIFICATE-----' or DER)`,
      );
      return undefined;
    }
    let ok = true;
    for (const [i, b] of certBlocks.entries()) {
      try {
        certificates.push(new X509Certificate(b.der));
      } catch (err) {
        ok = false;
        reportError(ctx, node, key, `certificate #${i + 1} in ${file.path} cannot be parsed: ${reason(err)}`);
      }
    }
    if (!ok) return undefined;
  }
  // Re-armour the parsed certificates: whatever else the file held (a key, comments) stays out.
  const pem = certificates.map((c) => c.toString()).join('');
  return { path: file.path, pem, certificates };
}

export interface LoadedPrivateKey {
  readonly path: string;
  /** PKCS#8 PEM, whatever the file's format. */
  readonly pem: string;
  readonly key: KeyObject;
}

export function loadPrivateKeyFile(ctx: LoadContext, node: YamlValue, key: string, configured: string): LoadedPrivateKey | undefined {
  const file = readConfiguredFile(ctx, node, key, configured, 'private key file');
  if (!file) return undefined;
  const text = file.data.toString('utf8');
  if (text.includes('ENCRYPTED PRIVATE KEY') || text.includes('Proc-Type: 4,ENCRYPTED')) {
    reportError(ctx, node, key, `private key file ${file.path} is encrypted; certgate needs an unencrypted key (protect it with file permissions)`);
    return undefined;
  }
  try {
    const k = looksLikeDer(file.data) ? createPrivateKey({ key: file.data, format: 'der', type: 'pkcs8' }) : createPrivateKey(text);
    return { path: file.path, pem: k.export({ type: 'pkcs8', format: 'pem' }).toString(), key: k };
  } catch {
    // The crypto error text is not shown: it adds nothing and must never echo key material.
    const hint = pemBlocks(text).some((b) => b.label === 'CERTIFICATE') ? ' (it holds a certificate: are cert and key swapped?)' : '';
    reportError(ctx, node, key, `private key file ${file.path} holds no usable private key (expected PEM PKCS#8, PKCS#1 or SEC1)${hint}`);
    return undefined;
  }
}

/** Reports when the key is not the private half of the certificate's public key. */
export function checkKeyMatches(ctx: LoadContext, node: YamlValue, key: string, cert: CertificateFile, privateKey: LoadedPrivateKey): boolean {
  const leaf = cert.certificates[0]!;
  let matches = false;
  try {
    matches = leaf.checkPrivateKey(privateKey.key);
  } catch {
    matches = false;
  }
  if (!matches) reportError(ctx, node, key, `private key ${privateKey.path} does not match the certificate ${cert.path}`);
  return matches;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
