// The purpose-built CRL walker: cross-checked against pkijs on every CRL made here (openssl
// -gencrl and the DER builder), fast on large CRLs, and fuzzed: truncations and bit flips never
// crash it and never yield a CRL whose signature verifies.
import t, { type Test } from 'tap';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildCrl, serials } from '../../bench/revocation-crl-builder.mjs';
import { certInfo } from '../../src/x509/certificate-info.js';
import { crlsFromFile, parseCrl, REASONS, type ParsedCrl } from '../../src/x509/crl-parser.js';
import { DerError, serialKey } from '../../src/x509/der-reader.js';
import { verifySignature } from '../../src/x509/signature.js';
import { OpensslCa } from '../helpers/openssl-ca.js';

/** Parses with pkijs (asn1js maxNodes raised: its default 10,000 stops at ~2,000 entries) and compares. */
function crossCheck(tt: Test, der: Buffer, mine: ParsedCrl): void {
  const asn1 = asn1js.fromBER(der, { maxNodes: 10_000_000 });
  tt.equal(asn1.offset, der.length, 'asn1js parsed the whole CRL');
  const ref = new pkijs.CertificateRevocationList({ schema: asn1.result });
  tt.equal(mine.thisUpdate.getTime(), ref.thisUpdate.value.getTime(), 'thisUpdate');
  tt.equal(mine.nextUpdate?.getTime(), ref.nextUpdate?.value.getTime(), 'nextUpdate');
  const refEntries = ref.revokedCertificates ?? [];
  tt.equal(mine.size, refEntries.length, 'entry count');
  let mismatches = 0;
  for (const e of refEntries) {
    const key = serialKey(e.userCertificate.valueBlock.valueHexView);
    const m = mine.entry(key);
    const reasonExt = e.crlEntryExtensions?.extensions.find((x) => x.extnID === '2.5.29.21');
    const refReason = reasonExt ? REASONS[(asn1js.fromBER(reasonExt.extnValue.valueBlock.valueHexView).result as asn1js.Enumerated).valueBlock.valueDec] : undefined;
    if (!m || m.revokedAt.getTime() !== e.revocationDate.value.getTime() || m.reason !== refReason) mismatches++;
  }
  tt.equal(mismatches, 0, 'every pkijs entry found with the same date and reason');
  tt.ok(Buffer.from(ref.tbsView).equals(mine.tbs), 'same TBS bytes');
}

t.test('openssl -gencrl CRLs parse and match pkijs', async (t) => {
  const ca = new OpensslCa({ name: 'Parser CA' });
  t.teardown(() => ca.close());
  const a = ca.issue('a');
  const b = ca.issue('b');
  const c = ca.issue('c');
  const empty = ca.gencrl();
  const e = parseCrl(empty);
  t.equal(e.size, 0);
  crossCheck(t, empty, e);
  ca.revoke(a, 'keyCompromise');
  ca.revoke(b, 'certificateHold');
  ca.revoke(c, 'superseded');
  const der = ca.gencrl();
  const crl = parseCrl(der);
  crossCheck(t, der, crl);
  t.equal(crl.entry(certInfo(a.x509).serial)?.reason, 'keyCompromise');
  t.equal(crl.entry(certInfo(b.x509).serial)?.reason, 'certificateHold');
  t.equal(crl.crlNumber, 2n);
  t.ok(crl.authorityKeyId?.equals(certInfo(ca.cert).subjectKeyId!));
  t.ok(verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, ca.cert.publicKey), 'signature verifies');
  // A PEM bundle with two CRLs yields both (Node's TLS `crl` option reads only the first).
  const pem = (d: Buffer): string => `-----BEGIN X509 CRL-----\n${d.toString('base64')}\n-----END X509 CRL-----\n`;
  t.equal(crlsFromFile(Buffer.from(pem(empty) + pem(der))).length, 2);
  t.equal(crlsFromFile(der).length, 1);
});

t.test('a 20,000-entry CRL: fast, identical to pkijs', async (t) => {
  const ca = new OpensslCa({ name: 'Big CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  const key = createPrivateKey(readFileSync(ca.keyPath));
  const list = serials(20_000, 7);
  const der = buildCrl({
    issuerName: certInfo(ca.cert).subjectDer,
    key,
    entries: list.map((s, i) => ({ serial: s, reason: i % 3 === 0 ? 'keyCompromise' : i % 3 === 1 ? 'certificateHold' : undefined })),
  });
  const t0 = performance.now();
  const crl = parseCrl(der);
  const ok = verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, ca.cert.publicKey);
  const ms = performance.now() - t0;
  t.ok(ok, 'signature verifies');
  t.equal(crl.size, 20_000);
  t.ok(ms < 500, `parse + verify took ${ms.toFixed(1)} ms`);
  t.ok(crl.has(list[12_345]!.toString(16)));
  t.notOk(crl.has((list[12_345]! + 1n).toString(16)));
  crossCheck(t, der, crl);
});

t.test('fuzz: truncations and bit flips never crash and never verify', async (t) => {
  // Seeded, and the seed printed: CRL_FUZZ_SEED=<n> replays a failure byte for byte (the CRLs
  // themselves are generated afresh; the failing input is printed in hex).
  const seed = Number(process.env.CRL_FUZZ_SEED ?? Math.floor(Date.now() % 2 ** 31));
  t.comment(`CRL fuzz seed ${seed} (replay: CRL_FUZZ_SEED=${seed})`);
  const rand = prng(seed);
  const ca = new OpensslCa({ name: 'Fuzz CA', keyAlg: 'ec' });
  t.teardown(() => ca.close());
  for (let i = 0; i < 3; i++) ca.revoke(ca.issue(`f${i}`), i === 1 ? 'certificateHold' : 'keyCompromise');
  const key = createPrivateKey(readFileSync(ca.keyPath));
  const inputs = [ca.gencrl(), buildCrl({ issuerName: certInfo(ca.cert).subjectDer, key, entries: serials(50).map((s) => ({ serial: s, reason: 'keyCompromise' })) })];
  let parsedButRejected = 0;
  let parseErrors = 0;
  const tryOne = (bytes: Buffer): void => {
    let crl: ParsedCrl;
    try {
      crl = parseCrl(bytes);
    } catch (e) {
      if (!(e instanceof DerError)) throw e;
      parseErrors++;
      return;
    }
    // Lazily decoded entries must not throw either.
    for (const s of crl.serials()) crl.entry(s);
    if (verifySignature(crl.signatureAlgorithm, crl.tbs, crl.signature, ca.cert.publicKey)) {
      throw new Error(`mutated CRL accepted (seed ${seed}): ${bytes.toString('hex')}`);
    }
    parsedButRejected++;
  };
  for (const der of inputs) {
    for (let len = 0; len < der.length; len++) tryOne(der.subarray(0, len));
    for (let bit = 0; bit < der.length * 8; bit++) {
      const m = Buffer.from(der);
      m[bit >> 3]! ^= 1 << (bit & 7);
      tryOne(m);
    }
    for (let i = 0; i < 2000; i++) {
      const m = Buffer.from(der);
      const n = 1 + (i % 8);
      for (let k = 0; k < n; k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      if (!m.equals(der)) tryOne(m);
    }
  }
  t.ok(parseErrors > 0 && parsedButRejected > 0, `${parseErrors} parse errors, ${parsedButRejected} parsed but rejected by signature`);
});

/** mulberry32: a small seeded generator, so a fuzz failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
