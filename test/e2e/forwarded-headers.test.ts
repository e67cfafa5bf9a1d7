// Over real TLS: what the upstream receives. Spoofed certificate headers never arrive, each of the
// four formats decodes back to the exact DER the client presented, hop-by-hop headers stop here.
import t from 'tap';
import { parseItem, parseList } from 'structured-headers';
import { makeTestPki } from '../helpers/pki.js';
import { chainPem } from '../../src/pki/certificate-factory.js';
import { decodeCertHeader, decodeChainHeader } from '../../src/wire/header-codecs.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway } from '../helpers/gateway-harness.js';

const pki = await makeTestPki();
const dir = await listenerDir(pki);

const upstream = await startRecordingUpstream();
const formats = ['pem-urlencoded', 'der-base64', 'rfc9440', 'xfcc'] as const;
const headerFor = { 'pem-urlencoded': 'X-Client-Cert', 'der-base64': 'X-SSL-Client-Cert', rfc9440: 'Client-Cert', xfcc: 'X-Forwarded-Client-Cert' };
const chainFor = { 'pem-urlencoded': 'X-Client-Cert-Chain', 'der-base64': 'X-SSL-Client-Chain', rfc9440: 'Client-Cert-Chain', xfcc: undefined };

const upstreamsYaml = formats
  .map((f) => `  ${f}:\n    url: ${upstream.url}\n    clientCert: { header: ${headerFor[f]}, format: ${f}${chainFor[f] ? `, chainHeader: ${chainFor[f]}` : ''} }`)
  .join('\n');
const routesYaml = formats.map((f) => `  - name: ${f}\n    match: { pathPrefix: /${f}/ }\n    upstream: ${f}\n    clientCert: optional`).join('\n');

const gw = await startTestGateway(
  dir,
  `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem], verifyDepth: 2 }
upstreams:
${upstreamsYaml}
routes:
${routesYaml}
`,
);
t.teardown(async () => {
  await gw.close();
  await upstream.close();
});

const ca = pki.rootCa.certPem;
const last = () => upstream.received[upstream.received.length - 1]!;
const leaf = pki.clientViaIntermediate;
const viaIntermediate = { cert: chainPem(leaf), key: leaf.keyPem };

for (const format of formats) {
  t.test(`${format}: the header decodes to the exact DER the client presented`, async (t) => {
    const res = await mtlsRequest({ port: gw.port(), ca, ...viaIntermediate, path: `/${format}/x` });
    t.equal(res.status, 200);
    const value = String(last().headers[headerFor[format].toLowerCase()]);
    t.ok(decodeCertHeader(format, value).equals(leaf.der), 'leaf DER round-trips');
    const chainValue = chainFor[format] ? String(last().headers[chainFor[format].toLowerCase()]) : value;
    const chain = decodeChainHeader(format, chainValue);
    t.same(
      chain.map((d) => d.toString('base64')),
      [pki.intermediateCa.der.toString('base64')],
      'chain header carries the intermediate, not the trust anchor',
    );
    if (format === 'rfc9440') {
      const item = parseItem(value);
      t.ok(item[0] instanceof ArrayBuffer, 'Client-Cert is an sf-binary item');
      t.ok(Buffer.from(item[0] as ArrayBuffer).equals(leaf.der), 'structured-headers reads the same DER');
      t.equal(parseList(chainValue).length, 1, 'Client-Cert-Chain is an sf-list');
    }
  });
}

const spoofs: Array<[string, string[]]> = [
  ['X-Client-Cert', ['X-Client-Cert', 'forged']],
  ['x_client_cert', ['x_client_cert', 'forged']],
  ['two Client-Cert lines', ['Client-Cert', ':Zm9yZ2Vk:', 'client-cert', ':YWdhaW4=:']],
  ['fake X-Client-Verify', ['X-Client-Verify', 'SUCCESS']],
  ['X_Client-Verify', ['X_Client-Verify', 'SUCCESS']],
  ['x_client_verify NONE', ['x_client_verify', 'NONE', 'X-CLIENT-VERIFY', 'FAILED']],
  ['X-Client-Cert-Chain', ['X-Client-Cert-Chain', 'forged']],
  ['XFCC', ['X-Forwarded-Client-Cert', 'Hash=00;Subject="CN=admin"']],
  ['X-Client-Subject-DN', ['x-client-subject-dn', 'CN=admin']],
  ['Signature', ['Signature', 'certgate=:AAAA:', 'Signature-Input', 'certgate=()']],
  ['Curity, Keycloak, AWS', ['x-client-ssl-cert', 'forged', 'SSL_CLIENT_CERT', 'forged', 'x-ssl-client-verify', 'SUCCESS', 'X-Amzn-Mtls-Clientcert', 'forged']],
  ['X-Real-IP', ['X-Real-IP', '10.0.0.1', 'x_real_ip', '10.0.0.2']],
];

/** As a case-insensitive upstream that reads `_` as `-` sees a header name. */
const normal = (name: string): string => name.toLowerCase().replaceAll('_', '-');

for (const [name, headers] of spoofs) {
  for (const withCert of [true, false]) {
    t.test(`a client-sent ${name} never reaches the upstream (${withCert ? 'with' : 'without'} a certificate)`, async (t) => {
      const creds = withCert ? { cert: pki.client.certPem, key: pki.client.keyPem } : {};
      for (const format of formats) {
        const res = await mtlsRequest({ port: gw.port(), ca, ...creds, path: `/${format}/spoof`, headers });
        t.equal(res.status, 200);
        const raw = last().rawHeaders;
        // What the gateway sets itself on this upstream, literally; any other spelling or copy is forged.
        // pki.client is issued by the trust anchor itself, so no chain header is sent.
        const gatewaySets: Record<string, number> = {
          'x-client-verify': 1,
          'x-client-subject-dn': withCert ? 1 : 0,
          'x-client-cert-thumbprint': withCert ? 1 : 0,
          'x-real-ip': 1,
          [normal(headerFor[format])]: withCert ? 1 : 0,
        };
        for (const sent of new Set(headers.filter((_, i) => i % 2 === 0).map(normal))) {
          const arrived = raw.filter((n, i) => i % 2 === 0 && normal(n) === sent);
          t.equal(arrived.length, gatewaySets[sent] ?? 0, `${sent}: only the gateway's own (${format})`);
        }
        const verify = raw.filter((n, i) => i % 2 === 0 && normal(n) === 'x-client-verify');
        t.equal(verify.length, 1, "exactly one X-Client-Verify, the gateway's, in any spelling");
        t.equal(last().headers['x-client-verify'], withCert ? 'SUCCESS' : 'NONE');
        t.equal(last().headers['x-real-ip'], '127.0.0.1', 'X-Real-IP is the client address');
        if (withCert)
          t.ok(decodeCertHeader(format, String(last().headers[headerFor[format].toLowerCase()])).equals(pki.client.der), 'the certificate header is the presented certificate');
      }
      t.ok(
        gw.logs.find((l) => l.event === 'spoofed_header_stripped'),
        'security log line written',
      );
    });
  }
}

t.test('hop-by-hop headers and those named in Connection are removed', async (t) => {
  const res = await mtlsRequest({
    port: gw.port(),
    ca,
    path: '/xfcc/hop',
    headers: ['Connection', 'keep-alive, X-Secret-Hop', 'X-Secret-Hop', '1', 'Keep-Alive', 'timeout=5', 'TE', 'trailers', 'Proxy-Authorization', 'Basic eA==', 'X-Kept', 'yes'],
  });
  t.equal(res.status, 200);
  const h = last().headers;
  t.equal(h['x-secret-hop'], undefined);
  t.equal(h['keep-alive'], undefined);
  t.equal(h['te'], undefined);
  t.equal(h['proxy-authorization'], undefined);
  t.equal(h['x-kept'], 'yes');
});

t.test("X-Forwarded-For/Proto/Host are set by the gateway, never appended to the client's", async (t) => {
  const res = await mtlsRequest({
    port: gw.port(),
    ca,
    path: '/xfcc/xff',
    headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'http', 'X-Forwarded-Host': 'evil.example', Forwarded: 'for=6.6.6.6' },
  });
  t.equal(res.status, 200);
  const h = last().headers;
  t.equal(h['x-forwarded-for'], '127.0.0.1');
  t.equal(h['x-forwarded-proto'], 'https');
  t.equal(h['x-forwarded-host'], `127.0.0.1:${gw.port()}`, 'the Host the client sent');
  t.equal(h['forwarded'], undefined);
});

t.test('no route: 404 NO_ROUTE', async (t) => {
  const res = await mtlsRequest({ port: gw.port(), ca, path: '/nowhere' });
  t.equal(res.status, 404);
  t.equal(res.json().code, 'NO_ROUTE');
});
