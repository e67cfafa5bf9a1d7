import t from 'tap';
import { createHash } from 'node:crypto';
import { parseItem, parseList } from 'structured-headers';
import type { CertHeaderFormat } from '../../src/wire/header-codecs.js';
import {
  CERT_HEADER_CODECS,
  CERT_HEADER_FORMATS,
  CertHeaderError,
  decodeCertHeader,
  decodeChainHeader,
  derToPem,
  encodeCertHeader,
  encodeChainHeader,
  nginxEscapeUriComponent,
  pemToDer,
} from '../../src/wire/header-codecs.js';
import { parseXfcc, xfccValue } from '../../src/wire/xfcc.js';
import { makeCertFixtures } from '../headers/cert-fixtures.js';

const f = makeCertFixtures();
const leaf = f.leaf.raw;
const chain = [f.intermediate.raw];

t.test('nginx URI-component escaping: every byte as ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT)', async (t) => {
  const unreserved = /[A-Za-z0-9\-._~]/;
  for (let b = 0; b < 0x80; b++) {
    const ch = String.fromCharCode(b);
    const want = unreserved.test(ch) ? ch : '%' + b.toString(16).toUpperCase().padStart(2, '0');
    t.equal(nginxEscapeUriComponent(ch), want, `0x${b.toString(16)}`);
  }
  t.equal(nginxEscapeUriComponent('é'), '%C3%A9', 'UTF-8 bytes, upper-case hex');
  t.equal(nginxEscapeUriComponent("+/= \n!'()*"), '%2B%2F%3D%20%0A%21%27%28%29%2A');
});

t.test("PEM is byte-identical to OpenSSL's (what nginx escapes)", async (t) => {
  t.equal(derToPem(leaf), f.leafPem);
  t.equal(derToPem(leaf), f.leaf.toString(), 'Node X509Certificate.toString()');
  t.same(pemToDer(f.leafPem + derToPem(chain[0]!)), [leaf, chain[0]]);
});

t.test('pem-urlencoded is nginx $ssl_client_escaped_cert', async (t) => {
  const v = encodeCertHeader('pem-urlencoded', leaf);
  t.ok(v.startsWith('-----BEGIN%20CERTIFICATE-----%0A'), 'armour with escaped space and newline');
  t.ok(v.endsWith('-----END%20CERTIFICATE-----%0A'), 'trailing newline kept');
  t.notMatch(v, /[+/=\s\n]/, 'no raw + / = space newline');
  t.equal(decodeURIComponent(v), f.leaf.toString(), 'decodes to the x509 PEM');
});

t.test('der-base64 is bare base64 of DER', async (t) => {
  const v = encodeCertHeader('der-base64', leaf);
  t.equal(v, leaf.toString('base64'));
  t.notMatch(v, /[\n-]/);
});

t.test('rfc9440 parses with structured-headers', async (t) => {
  const item = parseItem(encodeCertHeader('rfc9440', leaf));
  t.ok(item[0] instanceof ArrayBuffer);
  t.same(Buffer.from(item[0] as ArrayBuffer), leaf);
  const list = parseList(encodeChainHeader('rfc9440', [chain[0]!, f.root.raw]));
  t.equal(list.length, 2);
  t.same(Buffer.from(list[0]![0] as ArrayBuffer), chain[0]);
  t.same(Buffer.from(list[1]![0] as ArrayBuffer), f.root.raw);
});

t.test('xfcc element: order, hash, quoting of a subject with , " ; =', async (t) => {
  const v = encodeCertHeader('xfcc', leaf, { chain, subject: f.leafSubjectDN, uri: f.leafUri, dns: f.leafDns });
  const hash = createHash('sha256').update(leaf).digest('hex');
  t.ok(v.startsWith(`Hash=${hash};Cert="-----BEGIN%20CERTIFICATE-----%0A`));
  const [el, ...rest] = parseXfcc(v);
  t.equal(rest.length, 0, 'one element');
  t.same(
    el!.map(([k]) => k),
    ['Hash', 'Cert', 'Chain', 'Subject', 'URI', 'DNS', 'DNS'],
  );
  // Subject is always quoted, inner " and \ escaped, non-ASCII as RFC 4514 hex pairs.
  t.match(v, ';Subject="O=Acme,CN=Client\\\\, \\\\\\"Q\\\\\\"\\\\; a=b \\\\C3\\\\A9";');
  t.equal(xfccValue(el!, 'subject'), 'O=Acme,CN=Client\\, \\"Q\\"\\; a=b \\C3\\A9');
  t.equal(xfccValue(el!, 'URI'), 'spiffe://example.org/x;y=z', 'URI with ; and = is quoted and survives');
  t.match(v, ';URI="spiffe://example.org/x;y=z";DNS=a.example;DNS=b.example');
  t.equal(decodeURIComponent(xfccValue(el!, 'Chain')!), f.leafPem + f.intermediate.toString(), 'Chain is leaf + chain');
  t.notMatch(v, /[\r\n]/);
});

interface RoundTrip {
  readonly format: CertHeaderFormat;
  readonly cert: string;
  readonly chain: string | undefined;
}
const roundTrips: RoundTrip[] = (['pem-urlencoded', 'der-base64', 'rfc9440'] as const).map((format) => ({
  format,
  cert: encodeCertHeader(format, leaf),
  chain: encodeChainHeader(format, [chain[0]!, f.root.raw]),
}));
roundTrips.push({
  format: 'xfcc',
  cert: encodeCertHeader('xfcc', leaf, { chain: [chain[0]!, f.root.raw], subject: f.leafSubjectDN, dns: f.leafDns }),
  chain: undefined,
});

for (const rt of roundTrips) {
  t.test(`round trip ${rt.format}`, async (t) => {
    t.same(decodeCertHeader(rt.format, rt.cert), leaf, 'leaf DER');
    t.same(decodeChainHeader(rt.format, rt.chain ?? rt.cert), [chain[0], f.root.raw], 'chain DER, leaf excluded');
  });
}

t.test('single-member chain for the comma formats', async (t) => {
  for (const format of ['pem-urlencoded', 'der-base64', 'rfc9440'] as const) {
    t.same(decodeChainHeader(format, encodeChainHeader(format, chain)), chain, format);
  }
  t.same(decodeChainHeader('der-base64', ''), []);
});

t.test('decoders accept what others produce', async (t) => {
  // Envoy's docs show lower-case %0a; OWS around chain members; RFC 9440 parameters ignored.
  const lower = encodeCertHeader('pem-urlencoded', leaf).replaceAll('%0A', '%0a');
  t.same(decodeCertHeader('pem-urlencoded', lower), leaf);
  const b64 = leaf.toString('base64');
  t.same(decodeChainHeader('der-base64', `${b64} , ${b64}`), [leaf, leaf]);
  t.same(decodeCertHeader('rfc9440', `:${b64}:;x=1`), leaf);
  const xfcc = `hash=${createHash('sha256').update(leaf).digest('hex')};cert="${encodeCertHeader('pem-urlencoded', leaf)}"`;
  t.same(decodeCertHeader('xfcc', xfcc), leaf, 'keys are case-insensitive; Chain optional');
  t.same(decodeChainHeader('xfcc', xfcc), []);
  const chainOnly = `Chain="${nginxEscapeUriComponent(f.leafPem + f.intermediate.toString())}"`;
  t.same(decodeCertHeader('xfcc', chainOnly), leaf, 'no Cert: leaf is Chain[0]');
  t.same(decodeChainHeader('xfcc', chainOnly), chain);
});

const bad: [CertHeaderFormat, string, string][] = [
  ['der-base64', 'not base64!', 'stray characters'],
  ['der-base64', Buffer.from('hello').toString('base64'), 'not DER'],
  ['der-base64', '', 'empty'],
  ['pem-urlencoded', '%E0%A4%A', 'malformed percent-encoding'],
  ['pem-urlencoded', encodeCertHeader('pem-urlencoded', leaf).repeat(2), 'two certificates'],
  ['rfc9440', leaf.toString('base64'), 'not a byte sequence'],
  ['rfc9440', '"text"', 'a string item'],
  ['xfcc', 'Hash=00;Cert="' + encodeCertHeader('pem-urlencoded', leaf) + '"', 'hash mismatch'],
  ['xfcc', 'Cert="abc', 'unmatched quote'],
  ['xfcc', 'Subject="x"', 'no certificate'],
  ['xfcc', `Cert="${encodeCertHeader('pem-urlencoded', leaf)}",Cert="${encodeCertHeader('pem-urlencoded', leaf)}"`, 'two elements'],
  ['xfcc', `Cert="${encodeCertHeader('pem-urlencoded', leaf)}";Chain="${encodeCertHeader('pem-urlencoded', chain[0]!)}"`, 'Chain not starting with Cert'],
];
for (const [format, value, why] of bad) {
  t.test(`rejects ${format}: ${why}`, async (t) => {
    t.throws(() => decodeCertHeader(format, value), CertHeaderError);
  });
}

t.test('rfc9440 chain with an inner list is rejected', async (t) => {
  t.throws(() => decodeChainHeader('rfc9440', `(:${leaf.toString('base64')}:)`), CertHeaderError);
});

t.test('xfcc has no separate chain header', async (t) => {
  t.throws(() => encodeChainHeader('xfcc', chain), CertHeaderError);
  t.equal(CERT_HEADER_CODECS.xfcc.encodeChain, undefined, 'the identity headers and the size estimate see it from the table');
});

t.test('the codec table: the formats config accepts, and the header each is read from by default', async (t) => {
  t.strictSame([...CERT_HEADER_FORMATS], ['pem-urlencoded', 'der-base64', 'rfc9440', 'xfcc']);
  const defaults = Object.fromEntries(CERT_HEADER_FORMATS.map((format) => [format, CERT_HEADER_CODECS[format].defaultHeader]));
  t.strictSame(defaults, {
    'pem-urlencoded': 'x-client-cert',
    'der-base64': 'x-client-cert',
    rfc9440: 'client-cert',
    xfcc: 'x-forwarded-client-cert',
  });
  t.ok(Object.isFrozen(CERT_HEADER_CODECS), 'no module can swap a codec at run time');
});

t.test('every format: leaf and chain come back from what it encodes', async (t) => {
  for (const format of CERT_HEADER_FORMATS) {
    const codec = CERT_HEADER_CODECS[format];
    const value = codec.encode(leaf, { chain });
    t.same(codec.decode(value).leaf, leaf, `${format} leaf`);
    const chainValue = codec.encodeChain === undefined ? value : codec.encodeChain(chain);
    t.same(codec.decodeChain(chainValue), chain, `${format} chain`);
  }
});
