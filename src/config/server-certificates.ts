// `tls.cert` / `tls.key` of a listener or a virtual host: one certificate and its key, or, as
// nginx's repeated `ssl_certificate`, a list of them paired by position (an RSA and an ECDSA
// certificate, so that clients which only verify one kind still connect while the rest get the
// cheaper ECDSA handshake). OpenSSL keeps one certificate per key type: two of the same type would
// silently replace each other, so that is an error.
import { checkKeyMatches, loadCertificateFile, loadPrivateKeyFile } from './certificate-files.js';
import type { ConfigSection } from './config-section.js';
import { indexKey, reportError, reportWarning, type YamlValue } from './load-context.js';
import { isSeq } from 'yaml';
import type { CertificateFile } from './types.js';

export interface ServerCertificate {
  readonly cert: CertificateFile;
  readonly keyPem: string;
  readonly keyPath: string;
}

interface PathItem {
  readonly value: string;
  readonly node: YamlValue;
  readonly path: string;
}

/** The paths under `key`: one string, or a non-empty list of them. */
function paths(s: ConfigSection, key: string): PathItem[] | undefined {
  if (!s.has(key)) {
    s.string(key, { required: true });
    return undefined;
  }
  if (isSeq(s.value(key))) {
    const items = s.stringList(key);
    if (items?.length === 0) s.error(key, `expected a file, or a list of files (an RSA and an ECDSA ${key === 'cert' ? 'certificate' : 'key'})`);
    return items;
  }
  const value = s.string(key);
  return value === undefined ? undefined : [{ value, node: s.at(key), path: s.keyPath(key) }];
}

/** Returns the certificates in configured order (the first is the default), or undefined after an error. */
export function readServerCertificates(s: ConfigSection): ServerCertificate[] | undefined {
  const certs = paths(s, 'cert');
  const keys = paths(s, 'key');
  if (!certs || !keys) return undefined;
  if (certs.length !== keys.length) {
    s.error('key', `expected one key per certificate, in the same order: ${certs.length} certificate(s), ${keys.length} key(s)`);
    return undefined;
  }
  const out: ServerCertificate[] = [];
  const keyTypes = new Map<string, string>();
  let ok = true;
  for (const [i, c] of certs.entries()) {
    const k = keys[i]!;
    const cert = loadCertificateFile(s.ctx, c.node, c.path, c.value, 'server certificate file');
    const key = loadPrivateKeyFile(s.ctx, k.node, k.path, k.value);
    if (!cert || !key || !checkKeyMatches(s.ctx, k.node, k.path, cert, key)) {
      ok = false;
      continue;
    }
    const leaf = cert.certificates[0]!;
    if (new Date(leaf.validTo).getTime() < Date.now()) reportWarning(s.ctx, c.node, c.path, `certificate ${cert.path} expired on ${new Date(leaf.validTo).toISOString()}`);
    const type = key.key.asymmetricKeyType ?? 'unknown';
    const first = keyTypes.get(type);
    if (first !== undefined) {
      reportError(s.ctx, c.node, c.path, `a second ${type} certificate (the first is ${first}): TLS uses one certificate per key type, give one RSA and one ECDSA`);
      ok = false;
      continue;
    }
    keyTypes.set(type, certs.length > 1 ? indexKey(s.keyPath('cert'), i) : s.keyPath('cert'));
    out.push({ cert, keyPem: key.pem, keyPath: key.path });
  }
  return ok ? out : undefined;
}
