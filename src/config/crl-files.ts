// CRL files: a PEM bundle of `X509 CRL` blocks or one DER CRL. Each is split and parsed here by
// the revocation store's own code (src/x509/crl-parser.ts), so a file `certgate check` accepts is
// one the runtime can use, and a 100,000-entry CRL loads in milliseconds rather than seconds.
import * as asn1js from 'asn1js';
import { crlsFromFile, parseCrl } from '../x509/crl-parser.js';
import { DerError } from '../x509/der-reader.js';
import { readConfiguredFile } from './config-files.js';
import { reportError, type LoadContext, type YamlValue } from './load-context.js';
import type { CrlFile } from './types.js';

export function loadCrlFile(ctx: LoadContext, node: YamlValue, key: string, configured: string): CrlFile | undefined {
  const file = readConfiguredFile(ctx, node, key, configured, 'CRL file');
  if (!file) return undefined;
  let ders: Buffer[];
  try {
    ders = crlsFromFile(file.data);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    reportError(ctx, node, key, `CRL file ${file.path} holds no CRL (expected PEM '-----BEGIN X509 CRL-----' blocks or DER)`);
    return undefined;
  }
  let ok = true;
  for (const [i, der] of ders.entries()) {
    const problem = crlProblem(der);
    if (problem) {
      ok = false;
      reportError(ctx, node, key, `CRL #${i + 1} in ${file.path} ${problem}`);
    }
  }
  return ok ? { path: file.path, der: ders } : undefined;
}

/** Why `der` is not a CertificateList the runtime can use, or undefined when it parses as one. */
function crlProblem(der: Buffer): string | undefined {
  try {
    parseCrl(der);
    return undefined;
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    return notBerProblem(der) ?? `is not a CertificateList: ${err.message}`;
  }
}

/**
 * For a file that is not even BER, the wording operators have always been shown (asn1js's), so
 * a corrupt file reads the same as before. Runs only on a CRL already refused.
 */
function notBerProblem(der: Buffer): string | undefined {
  // asn1js stops at 10 000 nodes by default; a large CA's CRL has far more (each node takes at least two bytes).
  const parsed = asn1js.fromBER(der, { maxNodes: Math.max(asn1js.DEFAULT_MAX_NODES, Math.ceil(der.length / 2) + 16) });
  if (parsed.offset === -1) return `is not valid DER: ${parsed.result.error || 'parse error'}`;
  if (!(parsed.result instanceof asn1js.Sequence)) return 'is not a CertificateList (outer structure is not a SEQUENCE)';
  return undefined;
}
