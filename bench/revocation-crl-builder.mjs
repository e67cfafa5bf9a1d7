// A tiny DER writer for test and benchmark CRLs (RFC 5280 section 5), signed with node:crypto.
// openssl `ca -gencrl` needs one index line per revoked certificate and is far too slow for
// 100,000 entries; this builds them in well under a second. Shared by test/revocation/*.test.ts
// and bench/revocation-bench.mjs.
import { sign } from 'node:crypto';

export function tlv(tag, ...parts) {
  const content = Buffer.concat(parts);
  const n = content.length;
  const len =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : n < 0x1000000
            ? [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]
            : [0x84, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

const OIDS = {
  sha256WithRSA: '06092a864886f70d01010b',
  ecdsaWithSHA256: '06082a8648ce3d040302',
  crlNumber: '0603551d14',
  deltaCrl: '0603551d1b',
  idp: '0603551d1c',
  aki: '0603551d23',
  reasonCode: '0603551d15',
};

const hex = (h) => Buffer.from(h, 'hex');

export function integer(value) {
  let h = typeof value === 'bigint' ? value.toString(16) : Buffer.from(value).toString('hex');
  if (h.length % 2) h = '0' + h;
  if (parseInt(h.slice(0, 2), 16) & 0x80) h = '00' + h;
  return tlv(0x02, hex(h));
}

function time(d) {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(s.slice(2), 'latin1')) : tlv(0x18, Buffer.from(s, 'latin1'));
}

function ext(oidHex, critical, value) {
  return tlv(0x30, hex(oidHex), ...(critical ? [hex('0101ff')] : []), tlv(0x04, value));
}

export const REASON = { unspecified: 0, keyCompromise: 1, cACompromise: 2, superseded: 4, certificateHold: 6, removeFromCRL: 8 };

/**
 * opts: { issuerName: Buffer (Name DER), key: KeyObject (private), entries: [{ serial: bigint|Buffer, date?: Date, reason?: string }],
 *         thisUpdate?: Date, nextUpdate?: Date|null, crlNumber?: bigint, deltaBase?: bigint, authorityKeyId?: Buffer,
 *         idp?: Buffer (IssuingDistributionPoint DER), extraExtensions?: Buffer[], tamper?: 'signature' }
 */
export function buildCrl(opts) {
  const ec = opts.key.asymmetricKeyType === 'ec';
  const alg = tlv(0x30, hex(ec ? OIDS.ecdsaWithSHA256 : OIDS.sha256WithRSA), ...(ec ? [] : [hex('0500')]));
  const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = opts.nextUpdate === null ? undefined : (opts.nextUpdate ?? new Date(Date.now() + 3_600_000));
  const revDefault = time(thisUpdate);
  const entries = (opts.entries ?? []).map((e) => {
    const parts = [integer(e.serial), e.date ? time(e.date) : revDefault];
    if (e.reason !== undefined) parts.push(tlv(0x30, ext(OIDS.reasonCode, false, tlv(0x0a, Buffer.from([REASON[e.reason]])))));
    return tlv(0x30, ...parts);
  });
  const exts = [];
  if (opts.authorityKeyId) exts.push(ext(OIDS.aki, false, tlv(0x30, tlv(0x80, opts.authorityKeyId))));
  exts.push(ext(OIDS.crlNumber, false, integer(opts.crlNumber ?? 1n)));
  if (opts.deltaBase !== undefined) exts.push(ext(OIDS.deltaCrl, true, integer(opts.deltaBase)));
  if (opts.idp) exts.push(ext(OIDS.idp, true, opts.idp));
  exts.push(...(opts.extraExtensions ?? []));
  const tbs = tlv(
    0x30,
    integer(1n),
    alg,
    opts.issuerName,
    time(thisUpdate),
    ...(nextUpdate ? [time(nextUpdate)] : []),
    ...(entries.length ? [tlv(0x30, ...entries)] : []),
    tlv(0xa0, tlv(0x30, ...exts)),
  );
  let sig = sign(ec ? 'sha256' : 'sha256', tbs, ec ? { key: opts.key, dsaEncoding: 'der' } : opts.key);
  if (opts.tamper === 'signature') sig = Buffer.from(sig.map((b, i) => (i === 5 ? b ^ 1 : b)));
  return tlv(0x30, tbs, alg, tlv(0x03, Buffer.from([0]), sig));
}

/** `count` distinct pseudo-random 16-byte serials, deterministic for a seed. */
export function serials(count, seed = 1) {
  const out = [];
  let x = BigInt(seed) * 0x9e3779b97f4a7c15n;
  for (let i = 0; i < count; i++) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    out.push((BigInt(i + 1) << 64n) | x);
  }
  return out;
}
