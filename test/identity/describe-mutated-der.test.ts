// Property: describing a certificate is total. Whatever bytes OpenSSL accepts as a certificate
// (and so could complete a handshake), describeCertificate returns a description or throws an
// UndescribableCertificateError, never anything else; and the policy stages that read the
// description (subject normalisation for the allow check) never throw on it (issue 7, finding 1).
// Seeded and bounded; set FC_SEED to replay a printed seed.
import t from 'tap';
import fc from 'fast-check';
import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { describeCertificate } from '../../src/identity/client-certificate.js';
import { checkAllow, compileAllow } from '../../src/policy/route-policy.js';
import { makeTestPki } from '../helpers/pki.js';
import { attribute, buildRawCertificate, derElement, nameOf, oidDer, rawElement } from '../helpers/raw-certificate.js';

const seed = Number(process.env.FC_SEED ?? 20260705); // fixed: a run is reproducible; FC_SEED explores
t.comment(`fast-check seed ${seed} (replay with FC_SEED=${seed})`);

const pki = await makeTestPki();
// Real certificates to mutate: the generated EC and RSA clients, and hand-built ones whose odd
// corners (string types, huge OID arcs, a year-only GeneralizedTime) mutations start from.
const bases: Buffer[] = [
  pki.client.der,
  pki.clientRsa.der,
  buildRawCertificate({
    issuer: pki.rootCa,
    subject: nameOf(
      [attribute(derElement(oidDer('1.2.99999999999999999999')), 'a')],
      [attribute('2.5.4.3', rawElement(30, Buffer.from('\u0000b\u0000m\u0000p', 'latin1')))],
      [attribute('2.5.4.10', rawElement(20, 'teletex')), attribute('2.5.4.11', rawElement(28, Uint8Array.from([0, 0, 0, 0x55])))],
    ),
  }).der,
  buildRawCertificate({ notAfter: rawElement(24, '2099') }).der,
];

type Mutation =
  { kind: 'flip'; at: number; value: number } | { kind: 'truncate'; at: number } | { kind: 'length'; at: number; value: number } | { kind: 'content'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('length' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  // A byte inside a primitive's content (a time, a string, an OID, a serial): keeps the DER
  // structure, so OpenSSL still accepts the certificate and the describer gets to see it.
  fc.record({ kind: fc.constant('content' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);

/** Offsets of every element's length octets, and of every primitive's content octets. */
function structure(der: Buffer): { lengths: number[]; contents: number[] } {
  const lengths: number[] = [];
  const contents: number[] = [];
  const walk = (block: asn1js.AsnType, start: number): void => {
    lengths.push(start + block.idBlock.blockLength);
    const first = start + block.idBlock.blockLength + block.lenBlock.blockLength;
    const inner = (block.valueBlock as { value?: unknown }).value;
    if (Array.isArray(inner) && block.idBlock.isConstructed) {
      let at = first;
      for (const child of inner as asn1js.AsnType[]) {
        walk(child, at);
        at += child.blockLength;
      }
    } else {
      for (let i = first; i < start + block.blockLength; i++) contents.push(i);
    }
  };
  walk(asn1js.fromBER(der).result, 0);
  return { lengths, contents };
}
function mutate(input: Buffer, m: Mutation): Buffer {
  const der = Buffer.from(input);
  switch (m.kind) {
    case 'flip':
      der[m.at % der.length] = m.value;
      return der;
    case 'truncate':
      return der.subarray(0, m.at % der.length);
    case 'length':
    case 'content': {
      const offsets = safeStructure(der)[m.kind === 'length' ? 'lengths' : 'contents'];
      der[(offsets[m.at % offsets.length] ?? m.at) % der.length] = m.value;
      return der;
    }
  }
}

const allow = compileAllow({
  subjectDN: ['CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP'],
  sanDNS: ['a.example'],
  sanURI: [],
  sanEmail: [],
  sanIP: ['192.0.2.10'],
  thumbprints: [],
});

t.test('describeCertificate on mutated DER: a description or UndescribableCertificateError', async (t) => {
  let accepted = 0;
  let described = 0;
  let undescribable = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (base, mutations) => {
      let der = bases[base]!;
      for (const m of mutations) if (der.length > 0) der = mutate(der, m);
      let x509: X509Certificate;
      try {
        x509 = new X509Certificate(der);
      } catch {
        return; // OpenSSL refuses it: no handshake could present it.
      }
      accepted += 1;
      try {
        const d = describeCertificate(x509);
        described += 1;
        // What the allow check and the headers read: must not throw either.
        checkAllow({ certificate: d, chain: [], verify: 'SUCCESS' }, allow);
        if (typeof d.subjectDN !== 'string' || typeof d.x5tS256 !== 'string') throw new Error('description lacks its fields');
      } catch (err) {
        // The typed error, recognised by its stable code (callers branch on codes, not classes).
        if ((err as { code?: unknown }).code !== 'CERT_UNDESCRIBABLE' || (err as Error).name !== 'UndescribableCertificateError') throw err;
        undescribable += 1;
      }
    }),
    { seed, numRuns: 300 },
  );
  t.comment(`OpenSSL accepted ${accepted} mutants: ${described} described, ${undescribable} undescribable`);
  t.ok(accepted > 0, 'some mutants reached describeCertificate');
});

t.test('the exact finding: GeneralizedTime "2020" / "2099" is a typed error', async (t) => {
  for (const time of ['2020', '2099']) {
    const x509 = new X509Certificate(buildRawCertificate({ notBefore: rawElement(24, time) }).der);
    t.throws(() => describeCertificate(x509), { name: 'UndescribableCertificateError', code: 'CERT_UNDESCRIBABLE', description: 'certificate cannot be parsed' }, time);
  }
});

/** structure(), or nothing when asn1js itself cannot parse the (already mutated) DER. */
function safeStructure(der: Buffer): { lengths: number[]; contents: number[] } {
  try {
    return structure(der);
  } catch {
    return { lengths: [], contents: [] };
  }
}
