// Round-trip properties of the certificate header codecs and XFCC quoting (issue 7's fuzzing):
// whatever DER goes in comes back out, and no DN or SAN text can change the XFCC structure.
import t from 'tap';
import fc from 'fast-check';
import { decodeCertHeader, decodeChainHeader, derToPem, encodeCertHeader, encodeChainHeader, pemToDer } from '../../src/wire/header-codecs.js';
import { parseXfcc, serializeXfccElement, xfccValue } from '../../src/wire/xfcc.js';

const seed = Number(process.env.FC_SEED ?? 20260703);
t.comment(`fast-check seed ${seed} (set FC_SEED to replay)`);
const runs = { seed, numRuns: 300 };

/** Random bytes shaped like DER enough for the decoders' sanity check (a SEQUENCE tag first). */
const der = fc.uint8Array({ minLength: 1, maxLength: 700 }).map((b) => Buffer.concat([Buffer.from([0x30]), b]));
/** Text rich in what XFCC must quote: `"` `;` `,` `=` `\` spaces, plus non-ASCII. */
const hostileText = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '"', ';', ',', '=', '\\', '/', ':', '+', '\t', 'é', '%'), maxLength: 40 });

t.test('every format: decode(encode(der)) is the DER', async (t) => {
  for (const format of ['pem-urlencoded', 'der-base64', 'rfc9440', 'xfcc'] as const) {
    fc.assert(
      fc.property(der, (d) => decodeCertHeader(format, encodeCertHeader(format, d)).equals(d)),
      runs,
    );
    t.pass(format);
  }
});

t.test('chain headers: decode(encode(chain)) is the chain, in order', async (t) => {
  for (const format of ['pem-urlencoded', 'der-base64', 'rfc9440'] as const) {
    fc.assert(
      fc.property(fc.array(der, { minLength: 1, maxLength: 4 }), (chain) => {
        const back = decodeChainHeader(format, encodeChainHeader(format, chain));
        return back.length === chain.length && back.every((b, i) => b.equals(chain[i]!));
      }),
      runs,
    );
    t.pass(format);
  }
});

t.test('PEM: pemToDer(derToPem(der)) is the DER', async (t) => {
  fc.assert(
    fc.property(fc.array(der, { minLength: 1, maxLength: 3 }), (ders) => {
      const back = pemToDer(ders.map((d) => derToPem(d)).join(''));
      return back.length === ders.length && back.every((b, i) => b.equals(ders[i]!));
    }),
    runs,
  );
  t.pass();
});

t.test('XFCC: serialise then parse gives the pairs back, whatever the values hold', async (t) => {
  const key = fc.constantFrom('Hash', 'Cert', 'Chain', 'Subject', 'URI', 'DNS', 'By');
  fc.assert(
    fc.property(fc.array(fc.tuple(key, hostileText), { minLength: 1, maxLength: 6 }), (pairs) => {
      const text = serializeXfccElement(pairs);
      const parsed = parseXfcc(text);
      return parsed.length === 1 && JSON.stringify(parsed[0]) === JSON.stringify(pairs);
    }),
    runs,
  );
  t.pass();
});

t.test('XFCC: a hostile Subject, URI or DNS cannot add an element or a Cert, and the DER still decodes', async (t) => {
  fc.assert(
    fc.property(der, hostileText, fc.array(hostileText, { maxLength: 3 }), fc.array(hostileText, { maxLength: 3 }), (d, subject, uri, dns) => {
      const value = encodeCertHeader('xfcc', d, { subject, uri, dns });
      const elements = parseXfcc(value);
      if (elements.length !== 1) return false;
      const keys = elements[0]!.map(([k]) => k);
      const expectedKeys = ['Hash', 'Cert', 'Chain', 'Subject', ...uri.map(() => 'URI'), ...dns.map(() => 'DNS')];
      return JSON.stringify(keys) === JSON.stringify(expectedKeys) && xfccValue(elements[0]!, 'Subject') !== undefined && decodeCertHeader('xfcc', value).equals(d);
    }),
    runs,
  );
  t.pass();
});
