// CRL files: a PEM bundle of `X509 CRL` blocks or one DER CRL. Each is checked to be a CRL here so
// a wrong file fails `certgate check`; the revocation module does the real work with the DER.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { looksLikeDer, pemBlocks, readConfiguredFile } from './config-files.js';
import { reportError, type LoadContext, type YamlValue } from './load-context.js';
import type { CrlFile } from './types.js';

export function loadCrlFile(ctx: LoadContext, node: YamlValue, key: string, configured: string): CrlFile | undefined {
  const file = readConfiguredFile(ctx, node, key, configured, 'CRL file');
  if (!file) return undefined;
  let ders: Buffer[];
  if (looksLikeDer(file.data)) {
    ders = [file.data];
  } else {
    const blocks = pemBlocks(file.data.toString('utf8')).filter((b) => b.label === 'X509 CRL');
    if (blocks.length === 0) {
      reportError(ctx, node, key, `CRL file ${file.path} holds no CRL (expected PEM '-----BEGIN X509 CRL-----' blocks or DER)`);
      return undefined;
    }
    ders = blocks.map((b) => b.der);
  }
  let ok = true;
  ders.forEach((der, i) => {
    const problem = crlProblem(der);
    if (problem) {
      ok = false;
      reportError(ctx, node, key, `CRL #${i + 1} in ${file.path} ${problem}`);
    }
  });
  return ok ? { path: file.path, der: ders } : undefined;
}

/** Why `der` is not a CertificateList, or undefined when it parses as one. */
export function crlProblem(der: Buffer): string | undefined {
  // asn1js stops at 10 000 nodes by default; a large CA's CRL has far more. The file is the
  // operator's own, so the limit scales with its size (each node takes at least two bytes).
  const parsed = asn1js.fromBER(der, { maxNodes: Math.max(asn1js.DEFAULT_MAX_NODES, Math.ceil(der.length / 2) + 16) });
  if (parsed.offset === -1) return `is not valid DER: ${parsed.result.error || 'parse error'}`;
  if (!(parsed.result instanceof asn1js.Sequence)) return 'is not a CertificateList (outer structure is not a SEQUENCE)';
  try {
    new pkijs.CertificateRevocationList({ schema: parsed.result });
  } catch (err) {
    return `is not a CertificateList: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}
