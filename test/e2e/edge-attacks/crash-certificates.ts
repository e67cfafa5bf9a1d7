// Issue 7, finding 1: certificates OpenSSL lets through a handshake but that certgate could not
// describe (a GeneralizedTime of "2020" made pkijs throw and ended the process; a subject OID arc
// above 2^53 made the allow check throw inside a revocation promise). Each malformed certificate
// is built by hand, signed for real, presented over real TLS on every verify mode, and must get an
// HTTP answer; a normal client must still get 200 afterwards (the gateway lives on).
// Node's TLS client refuses to load a certificate whose BMPString has an odd length ("bmpstring
// is wrong length"), a UTF8String that is not UTF-8 ("invalid utf8string") or an INTEGER
// attribute value ("mstring wrong tag") or a serial with a non-minimal leading zero ("illegal
// padding"), so those are covered only by the describe property test (test/identity/describe-mutated-der.test.ts).
import type { Test } from 'tap';
import net from 'node:net';
import https from 'node:https';
import tls from 'node:tls';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import { makeTestPki } from '../../helpers/pki.js';
import { listenerDir, startRecordingUpstream, startTestGateway } from '../../helpers/gateway-harness.js';
import {
  attribute,
  buildRawCertificate,
  clientAuthEku,
  derElement,
  extension,
  nameOf,
  oidDer,
  rawElement,
  OID_SUBJECT_ALT_NAME,
  type RawCertificate,
  type RawCertificateSpec,
} from '../../helpers/raw-certificate.js';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const HUGE_ARC_OID = '1.2.99999999999999999999';
// Universal tags of the time and string types used below (X.680).
const UTC_TIME = 23;
const GENERALIZED_TIME = 24;
const UTF8 = 12;
const TELETEX = 20;
const UNIVERSAL = 28;
const BMP = 30;

type Mode = 'require' | 'optional' | 'optional_no_ca';
/** Expected status per verify mode (mode off always answers 200: no certificate is asked for). */
type Expect = Readonly<Record<Mode, 200 | 401>>;
/**
 * Untrusted (self-signed, or a link OpenSSL will not build because the certificate is marked
 * invalid), which optional_no_ca tolerates as nginx does: forwarded as unverified, names ignored.
 */
const UNTRUSTED_TOLERATED: Expect = { require: 401, optional: 401, optional_no_ca: 200 };
/** Broken beyond any mode's tolerance (undescribable, or a verify error no mode tolerates). */
const REFUSED: Expect = { require: 401, optional: 401, optional_no_ca: 401 };
/** Issued by the trusted CA and well-formed enough for OpenSSL and certgate: forwarded. */
const ISSUED_FINE: Expect = { require: 200, optional: 200, optional_no_ca: 200 };

interface CrashCase {
  readonly name: string;
  readonly spec: RawCertificateSpec;
  readonly expect: Expect;
}

function ext(oid: string, critical: boolean, content: number[] | Uint8Array): asn1js.Sequence {
  return extension(oid, critical, Uint8Array.from(content));
}

function san(...names: asn1js.AsnType[]): asn1js.Sequence {
  return extension(OID_SUBJECT_ALT_NAME, false, new Uint8Array(new asn1js.Sequence({ value: names }).toBER()));
}

function cases(issuer: Awaited<ReturnType<typeof makeTestPki>>['rootCa']): CrashCase[] {
  const cn = (value: asn1js.AsnType | string) => nameOf([attribute(CN, value)]);
  const issued = (spec: RawCertificateSpec): RawCertificateSpec => ({ issuer, ...spec });
  return [
    // The exact findings: a GeneralizedTime of just a year.
    { name: 'notBefore GeneralizedTime "2020" (self-signed)', spec: { notBefore: rawElement(GENERALIZED_TIME, '2020') }, expect: REFUSED },
    { name: 'notAfter GeneralizedTime "2099" (self-signed)', spec: { notAfter: rawElement(GENERALIZED_TIME, '2099') }, expect: REFUSED },
    { name: 'notAfter GeneralizedTime "2099" (issued)', spec: issued({ notAfter: rawElement(GENERALIZED_TIME, '2099') }), expect: REFUSED },
    { name: 'UTCTime month 13', spec: { notAfter: rawElement(UTC_TIME, '991332000000Z') }, expect: REFUSED },
    { name: 'UTCTime without Z', spec: { notBefore: rawElement(UTC_TIME, '200101000000') }, expect: REFUSED },
    { name: 'empty UTCTime', spec: { notBefore: rawElement(UTC_TIME, '') }, expect: REFUSED },
    { name: 'GeneralizedTime with offset', spec: { notAfter: rawElement(GENERALIZED_TIME, '20990101000000+0100') }, expect: REFUSED },
    { name: 'GeneralizedTime with letters', spec: issued({ notAfter: rawElement(GENERALIZED_TIME, '2099AB01000000Z') }), expect: REFUSED },
    // Extensions.
    { name: 'garbage unknown extension', spec: issued({ extensions: [clientAuthEku(), ext('1.3.6.1.4.1.99999.1', false, [0xde, 0xad, 0xbe, 0xef])] }), expect: ISSUED_FINE },
    { name: 'critical unknown extension', spec: issued({ extensions: [clientAuthEku(), ext('1.3.6.1.4.1.99999.2', true, [0x05, 0x00])] }), expect: REFUSED },
    { name: 'SAN that is not a SEQUENCE', spec: { extensions: [clientAuthEku(), ext(OID_SUBJECT_ALT_NAME, false, [0x04, 0x02, 0x41, 0x42])] }, expect: UNTRUSTED_TOLERATED },
    {
      name: 'SAN with a 5-byte IP address',
      spec: issued({ extensions: [clientAuthEku(), san(new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 7 }, valueHex: Uint8Array.from([1, 2, 3, 4, 5]) }))] }),
      expect: ISSUED_FINE,
    },
    {
      name: 'duplicated SAN extension',
      spec: issued({
        extensions: [
          clientAuthEku(),
          san(new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: Buffer.from('a.example') })),
          san(new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: Buffer.from('b.example') })),
        ],
      }),
      expect: UNTRUSTED_TOLERATED,
    },
    { name: 'basicConstraints garbage', spec: { extensions: [clientAuthEku(), ext('2.5.29.19', true, [0x01, 0x01])] }, expect: UNTRUSTED_TOLERATED },
    { name: 'no extensions at all', spec: issued({ extensions: [] }), expect: ISSUED_FINE },
    // Names: odd string types and odd shapes.
    { name: 'BMPString CN', spec: issued({ subject: cn(rawElement(BMP, Buffer.from('\u0000b\u0000m\u0000p', 'latin1'))) }), expect: ISSUED_FINE },
    { name: 'TeletexString CN', spec: issued({ subject: cn(rawElement(TELETEX, Buffer.from('t\u00e9l\u00e9tex', 'latin1'))) }), expect: ISSUED_FINE },
    { name: 'UniversalString CN', spec: issued({ subject: cn(rawElement(UNIVERSAL, Uint8Array.from([0, 0, 0, 0x55, 0, 0x10, 0xff, 0xff]))) }), expect: ISSUED_FINE },
    { name: 'empty CN', spec: issued({ subject: cn(rawElement(UTF8, '')) }), expect: ISSUED_FINE },
    { name: 'empty subject', spec: { subject: nameOf() }, expect: UNTRUSTED_TOLERATED },
    { name: 'CN with , + " \\ # < > ; = and CR LF', spec: issued({ subject: nameOf([attribute(O, '#o,r+g"\\'), attribute(CN, 'a<b>;c=d\r\ne ')]) }), expect: ISSUED_FINE },
    {
      name: 'attribute value that is a BIT STRING',
      spec: issued({ subject: nameOf([attribute('1.3.6.1.4.1.99999.3', new asn1js.BitString({ valueHex: Uint8Array.from([0xf0]) }))], [attribute(CN, 'bits')]) }),
      expect: ISSUED_FINE,
    },
    { name: 'attribute value that is a SEQUENCE', spec: issued({ subject: nameOf([attribute(CN, new asn1js.Sequence({ value: [new asn1js.Null()] }))]) }), expect: ISSUED_FINE },
    {
      name: `subject OID arc above 2^53 (${HUGE_ARC_OID})`,
      spec: issued({ subject: nameOf([attribute(derElement(oidDer(HUGE_ARC_OID)), 'a')], [attribute(CN, 'huge')]) }),
      expect: ISSUED_FINE,
    },
    {
      name: 'subject OID arc above 2^53 (self-signed)',
      spec: { subject: nameOf([attribute(derElement(oidDer('2.25.340282366920938463463374607431768211455')), 'x')]) },
      expect: UNTRUSTED_TOLERATED,
    },
    // Serials.
    { name: 'serial zero', spec: issued({ serial: Uint8Array.from([0x00]) }), expect: ISSUED_FINE },
    { name: 'negative serial', spec: issued({ serial: Uint8Array.from([0xff, 0x01]) }), expect: ISSUED_FINE },
    { name: '40-byte serial', spec: issued({ serial: Uint8Array.from({ length: 40 }, (_, i) => i + 1) }), expect: ISSUED_FINE },
    {
      name: 'SAN DNS and URI names with CR LF',
      spec: issued({
        extensions: [
          clientAuthEku(),
          san(
            new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 }, valueHex: Buffer.from('evil.example\r\nX-Injected: 1') }),
            new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 6 }, valueHex: Buffer.from('spiffe://a\r\nb') }),
          ),
        ],
      }),
      expect: ISSUED_FINE,
    },
  ];
}

/**
 * An OCSP responder that hangs up on every request: the revocation check stays pending briefly,
 * then fails open. The server keeps its port for the whole test (no closed-port race).
 */
async function hangingUpResponder(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

interface Answer {
  readonly status: number;
  readonly code?: string;
  readonly description?: string;
}

/** Whether this process's OpenSSL (the gateway's, in-process) can parse the certificate at all. */
function opensslParses(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** The client's security level 0: lets the client load any key (OpenSSL 3.5 refuses RSA-1024 at level 2). */
const ANY_KEY = 'DEFAULT:@SECLEVEL=0';

/** One `GET /crash` through `openssl s_client` with `cert`; the answer parsed from its output. */
async function presentWithOpensslCli(port: number, ca: string, cert: { certPem: string; keyPem: string }): Promise<Answer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'certgate-crash-'));
  try {
    await fs.writeFile(path.join(dir, 'cert.pem'), cert.certPem);
    await fs.writeFile(path.join(dir, 'key.pem'), cert.keyPem);
    await fs.writeFile(path.join(dir, 'ca.pem'), ca);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        'openssl',
        [
          's_client',
          '-quiet',
          '-ign_eof',
          '-connect',
          `127.0.0.1:${port}`,
          '-servername',
          'localhost',
          '-cert',
          path.join(dir, 'cert.pem'),
          '-key',
          path.join(dir, 'key.pem'),
          '-CAfile',
          path.join(dir, 'ca.pem'),
        ],
        { stdio: ['pipe', 'pipe', 'ignore'] },
      );
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (c: string) => (text += c));
      child.on('error', reject);
      child.on('close', () => resolve(text));
      child.stdin.end('GET /crash HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    const status = Number(/^HTTP\/1\.1 (\d{3})/m.exec(out)?.[1] ?? 0);
    const body = out.slice(out.indexOf('\r\n\r\n') + 4);
    let parsed: { code?: string; error_description?: string } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      // The upstream's 200 body; no code.
    }
    return { status, ...(parsed.code ? { code: parsed.code } : {}), ...(parsed.error_description ? { description: parsed.error_description } : {}) };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** One request with `cert`; resolves with the HTTP answer (never a socket error: that would mean no answer). */
function present(port: number, ca: string, cert: RawCertificate | { certPem: string; keyPem: string }): Promise<Answer> {
  // OpenSSL 3.5 (Node 24) refuses to load some of these certificates into a client context at
  // all (e.g. "generalizedtime is too short"); an attacker's TLS stack would not, so present
  // those with the openssl command-line client instead.
  try {
    tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem, ciphers: ANY_KEY });
  } catch {
    return presentWithOpensslCli(port, ca, cert);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', servername: 'localhost', port, path: '/crash', ca, cert: cert.certPem, key: cert.keyPem, ciphers: ANY_KEY, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          let parsed: { code?: string; error_description?: string } = {};
          try {
            parsed = JSON.parse(body) as typeof parsed;
          } catch {
            // The upstream's 200 body; no code.
          }
          resolve({ status: res.statusCode!, ...(parsed.code ? { code: parsed.code } : {}), ...(parsed.error_description ? { description: parsed.error_description } : {}) });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function crashCertificates(t: Test): Promise<void> {
  const pki = await makeTestPki();
  const dir = await listenerDir(pki);
  const upstream = await startRecordingUpstream();
  const responder = await hangingUpResponder();
  const ocspPort = responder.port;
  const listener = (name: string, clientAuth: string, extra = '') => `
  - name: ${name}
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: ${clientAuth}${extra}`;
  const gw = await startTestGateway(
    dir,
    `
listeners:${listener('require', '{ mode: require, trustedCAs: [ca.pem] }')}${listener('optional', '{ mode: optional, trustedCAs: [ca.pem] }')}${listener('optional_no_ca', '{ mode: optional_no_ca, trustedCAs: [ca.pem] }')}${listener('off', '{ mode: off }')}${listener(
      'allowlisted',
      '{ mode: require, trustedCAs: [ca.pem] }',
      `
    revocation: { check: leaf, sources: [ocsp], failMode: open, ocsp: { responder: "http://127.0.0.1:${ocspPort}", timeout: 1s } }`,
    )}
upstreams:
  app:
    url: ${upstream.url}
routes:
  - name: allowlisted
    listeners: [allowlisted]
    match: { pathPrefix: / }
    upstream: app
    allow:
      subjectDN: ['cn=HUGE, ${HUGE_ARC_OID}=#0C0161', 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP']
  - name: open
    listeners: [require, optional, optional_no_ca, off]
    match: { pathPrefix: / }
    upstream: app
    clientCert: optional
`,
  );
  t.teardown(async () => {
    await gw.close();
    await upstream.close();
    await responder.close();
  });
  const ca = pki.rootCa.certPem;
  const normal = { certPem: pki.client.certPem, keyPem: pki.client.keyPem };

  const all = cases(pki.rootCa);
  t.ok(all.length >= 25, `${all.length} malformed certificates`);
  for (const c of all) {
    const cert = buildRawCertificate(c.spec);
    const before = upstream.received.length;
    let forwarded = 0;
    for (const mode of ['require', 'optional', 'optional_no_ca', 'off'] as const) {
      const answer = await present(gw.port(mode), ca, cert);
      const expected = mode === 'off' ? 200 : c.expect[mode];
      if (expected === 200) forwarded++;
      if (expected === 401 && !opensslParses(cert.certPem)) {
        // This runtime's OpenSSL (3.5 in Node 24) cannot parse the certificate, so the gateway's
        // TLS layer refuses the handshake before any HTTP: no answer, nothing forwarded.
        t.match(answer, { status: 0 }, `${c.name} on ${mode}: handshake refused by OpenSSL ${process.versions.openssl}`);
      } else if (expected === 401) {
        t.match(answer, { status: 401, code: 'CLIENT_CERT_INVALID' }, `${c.name} on ${mode}: 401 CLIENT_CERT_INVALID (${answer.description})`);
      } else {
        t.match(answer, { status: 200 }, `${c.name} on ${mode}: 200`);
      }
    }
    t.equal(upstream.received.length, before + forwarded, `${c.name}: only the requests answered 200 reached the upstream`);
  }

  // The allow check runs after a pending revocation check (OCSP responder on a closed port,
  // failMode open): a subject with a huge OID arc is matched, not thrown on.
  const huge = buildRawCertificate(cases(pki.rootCa).find((c) => c.name.startsWith('subject OID arc above 2^53 (1.2.'))!.spec);
  t.match(await present(gw.port('allowlisted'), ca, huge), { status: 200 }, 'huge-arc subject on the allow list: 200 after the revocation check');
  t.ok(
    gw.logs.find((l) => l.event === 'revocation_fail_open'),
    'the revocation check ran (and failed open) before the allow check',
  );
  const otherHuge = buildRawCertificate({ issuer: pki.rootCa, subject: nameOf([attribute(derElement(oidDer('1.2.99999999999999999998')), 'a')], [attribute(CN, 'huge')]) });
  t.match(await present(gw.port('allowlisted'), ca, otherHuge), { status: 403, code: 'CLIENT_NOT_ALLOWED' }, 'a different huge arc is not on the list: 403');
  const yearOnly = buildRawCertificate({ issuer: pki.rootCa, notAfter: rawElement(GENERALIZED_TIME, '2099') });
  t.match(
    await present(gw.port('allowlisted'), ca, yearOnly),
    opensslParses(yearOnly.certPem) ? { status: 401, code: 'CLIENT_CERT_INVALID' } : { status: 0 },
    'GeneralizedTime "2099" on the revocation listener: refused',
  );

  // The gateway lives on: a normal client still gets 200 everywhere.
  for (const mode of ['require', 'optional', 'optional_no_ca', 'off', 'allowlisted'] as const) {
    t.match(await present(gw.port(mode), ca, normal), { status: 200 }, `normal client on ${mode} afterwards: 200`);
  }
  t.notOk(
    gw.logs.find((l) => l.event === 'internal_error'),
    'no stage needed the fault boundary: each certificate was answered by design',
  );
}
