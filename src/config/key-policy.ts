// `listeners[].clientAuth.keyPolicy`: which client keys a listener accepts. The default follows
// NIST SP 800-131A / BSI TR-02102: RSA and DSA from 2048 bits, the NIST curves P-256, P-384,
// P-521, and Ed25519/Ed448. Enforced by src/tls/key-policy.ts once per certificate.
import { isScalar } from 'yaml';
import type { ConfigSection } from './config-section.js';
import { reportError } from './load-context.js';
import type { ClientKeyPolicy } from './types.js';
import { EC_CURVE_NAMES } from './ec-curve-names.js';

export const DEFAULT_KEY_POLICY: ClientKeyPolicy = {
  rsaMinBits: 2048,
  dsaMinBits: 2048,
  ecCurves: ['P-256', 'P-384', 'P-521'],
  ed25519: true,
  ed448: true,
};

const KEYS = ['rsaMinBits', 'dsaMinBits', 'ecCurves', 'ed25519', 'ed448'];
// Below 1024 bits an RSA or DSA signature is forgeable by anyone; no setting may admit that.
const MIN_BITS = { min: 1024, max: 16384 };

export function readKeyPolicy(parent: ConfigSection): ClientKeyPolicy | undefined {
  if (!parent.has('keyPolicy')) return DEFAULT_KEY_POLICY;
  const s = parent.section('keyPolicy', KEYS);
  if (!s) return undefined;
  const d = DEFAULT_KEY_POLICY;
  let ok = true;
  const rsaMinBits = s.has('rsaMinBits') ? s.integer('rsaMinBits', MIN_BITS) : d.rsaMinBits;
  let dsaMinBits: number | false | undefined = d.dsaMinBits;
  if (s.has('dsaMinBits')) {
    const v = s.value('dsaMinBits');
    if (isScalar(v) && v.value === false) dsaMinBits = false;
    else if (isScalar(v) && typeof v.value === 'number') dsaMinBits = s.integer('dsaMinBits', MIN_BITS);
    else {
      s.error('dsaMinBits', `expected an integer from ${MIN_BITS.min} to ${MIN_BITS.max} (bits), or false to refuse DSA keys`);
      dsaMinBits = undefined;
    }
  }
  let ecCurves: string[] | undefined = [...d.ecCurves];
  if (s.has('ecCurves')) {
    const items = s.stringList('ecCurves');
    ecCurves = items ? [] : undefined;
    for (const item of items ?? []) {
      if (!(item.value in EC_CURVE_NAMES)) {
        reportError(s.ctx, item.node, item.path, `unknown curve '${item.value}'; expected one of ${Object.keys(EC_CURVE_NAMES).join(', ')}`);
        ok = false;
      } else if (!ecCurves!.includes(item.value)) ecCurves!.push(item.value);
    }
  }
  const ed25519 = s.has('ed25519') ? s.boolean('ed25519') : d.ed25519;
  const ed448 = s.has('ed448') ? s.boolean('ed448') : d.ed448;
  if (!ok || rsaMinBits === undefined || dsaMinBits === undefined || !ecCurves || ed25519 === undefined || ed448 === undefined) return undefined;
  return { rsaMinBits, dsaMinBits, ecCurves, ed25519, ed448 };
}
