// Issue 7 finding 5 (and issue 8's audit): headers the gateway owns, sent by a client in every
// spelling an upstream might read as the same name, reach the upstream only as the gateway's own
// value or not at all. Plus the operator's `stripHeaders`, X-Real-IP, and TRACE/CONNECT refused.
import type { Test } from 'tap';
import { makeTestPki } from '../../helpers/pki.js';
import { listenerDir, mtlsRequest, startRecordingUpstream, startTestGateway, type TestGateway } from '../../helpers/gateway-harness.js';
import { jsonCode, rawRequest } from './raw-request.js';

// Written out literally: issue 7 finding 5, then the certificate headers of Curity, Keycloak,
// Envoy, Traefik, AWS ALB and Azure, then the forwarding headers the gateway sets itself.
const OWNED: readonly string[] = [
  'X-Real-IP',
  'True-Client-IP',
  'X-Forwarded-Port',
  'X-Forwarded-Prefix',
  'X-Forwarded-Scheme',
  'X-Forwarded-Ssl',
  'X-Original-URL',
  'X-Rewrite-URL',
  'X-HTTP-Method-Override',
  'X-HTTP-Method',
  'X-Method-Override',
  'SSL-Client-Verify',
  'X-SSL-Cert-Chain-1',
  'X-SSL-Cert-Chain-0',
  'X-SSL-Cert-Chain-17',
  'X-Client-DN',
  'X-Amzn-Mtls-Clientcert-Subject',
  'X-Amzn-Mtls-Clientcert-Issuer',
  'X-Amzn-Mtls-Clientcert-Serial-Number',
  'X-Amzn-Mtls-Clientcert',
  'X-Amzn-Mtls-Clientcert-Leaf',
  'X-Client-SSL-Cert',
  'SSL-Client-Cert',
  'SSL-Client-Cert-Chain-0',
  'X-SSL-Client-Verify',
  'X-SSL-Client-Cert',
  'X-SSL-Cert',
  'X-Forwarded-Client-Cert',
  'X-Forwarded-Tls-Client-Cert',
  'X-Forwarded-Tls-Client-Cert-Info',
  'X-ARR-ClientCert',
  'Client-Cert',
  'Client-Cert-Chain',
  'X-Client-Cert',
  'X-Client-Cert-Chain',
  'X-Client-Verify',
  'X-Client-Subject-DN',
  'X-Client-Cert-Thumbprint',
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'X-Forwarded-Host',
  'Forwarded',
  'Signature',
  'Signature-Input',
];

/** Operator-configured `stripHeaders` of the upstream below. */
const OPERATOR_STRIPPED: readonly string[] = ['X-Internal-Token', 'X-Legacy-User'];

/** The same name as a case-insensitive, `_`-as-`-` reader (CGI, nginx `underscores_in_headers`, PHP) sees it. */
function normal(name: string): string {
  return name.toLowerCase().replaceAll('_', '-');
}

/** Spellings of one name: as written (twice), lower, upper, `_` for `-`, and `_`/`-` alternating (`X_Client-Verify`). */
function spellings(name: string): string[] {
  const under = name.replaceAll('-', '_');
  const parts = name.split('-');
  const alternating = parts.map((p, i) => (i === 0 ? p : (i % 2 === 1 ? '_' : '-') + (i % 2 === 1 ? p.toLowerCase() : p.toUpperCase()))).join('');
  return [name, name, name.toLowerCase(), name.toUpperCase(), under, under.toLowerCase(), alternating];
}

export async function spoofedHeaders(t: Test): Promise<void> {
  const pki = await makeTestPki();
  const dir = await listenerDir(pki);
  const upstream = await startRecordingUpstream();
  let gw: TestGateway | undefined;
  t.teardown(async () => {
    await gw?.close();
    await upstream.close();
  });
  gw = await startTestGateway(
    dir,
    `
listeners:
  - name: main
    listen: 127.0.0.1:0
    tls: { cert: server.pem, key: server-key.pem }
    clientAuth: { mode: optional, trustedCAs: [ca.pem] }
    # every spelling of every owned header in one request: past the default 100 fields (431)
    limits: { maxHeaderCount: 2000, maxHeaderSize: 256kb }
upstreams:
  app:
    url: ${upstream.url}
    stripHeaders: [X-Internal-Token, x_legacy_user]
routes:
  - name: trace-allowed
    match: { pathPrefix: /trace-allowed/, methods: [TRACE] }
    upstream: app
    clientCert: optional
  - name: app
    match: { pathPrefix: / }
    upstream: app
    clientCert: optional
`,
  );
  const ca = pki.rootCa.certPem;
  const port = gw.port();

  // What the gateway itself sets, literally; every other owned name must be absent.
  const gatewaySets = (withCert: boolean): Record<string, string | RegExp> => ({
    'x-real-ip': '127.0.0.1',
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': `localhost:${port}`,
    'x-client-verify': withCert ? 'SUCCESS' : 'NONE',
    ...(withCert
      ? { 'x-client-cert': /^-----BEGIN%20CERTIFICATE-----/, 'x-client-subject-dn': /^CN=client\.example\.org,/, 'x-client-cert-thumbprint': /^[A-Za-z0-9_-]{43}$/ }
      : {}),
  });

  for (const withCert of [true, false]) {
    const creds = withCert ? { cert: pki.client.certPem, key: pki.client.keyPem } : {};
    const headers: string[] = [];
    for (const name of [...OWNED, ...OPERATOR_STRIPPED]) for (const spelling of spellings(name)) headers.push(spelling, 'forged');
    headers.push('X-Trace-Token', 'innocent-1', 'X_Custom_Thing', 'innocent-2', 'X-Request-Id', 'client-id', 'x_request_id', 'client-id');
    const before = upstream.received.length;
    const res = await mtlsRequest({ port, ca, ...creds, path: '/spoof', headers });
    t.equal(res.status, 200, `forwarded (${withCert ? 'with' : 'without'} certificate)`);
    t.equal(upstream.received.length, before + 1);
    const raw = upstream.received.at(-1)!.rawHeaders;
    const expected = gatewaySets(withCert);
    const seen = new Map<string, string[]>();
    for (let i = 0; i < raw.length; i += 2) {
      const n = normal(raw[i]!);
      seen.set(n, [...(seen.get(n) ?? []), raw[i + 1]!]);
    }
    for (const name of [...OWNED, ...OPERATOR_STRIPPED]) {
      const n = normal(name);
      const want = expected[n];
      const got = seen.get(n) ?? [];
      if (want === undefined) {
        t.same(got, [], `${name}: no header of this name reaches the upstream`);
      } else {
        t.equal(got.length, 1, `${name}: exactly one, the gateway's`);
        if (typeof want === 'string') t.equal(got[0], want, `${name}: the gateway's value`);
        else t.match(got[0], want, `${name}: the gateway's value`);
      }
    }
    t.same(seen.get('x-trace-token'), ['innocent-1'], 'an innocent header passes');
    t.equal(seen.get('x-request-id')?.length, 1, "one X-Request-Id, the gateway's (request-id.test.ts)");
    t.not(seen.get('x-request-id')?.[0], 'client-id', "the client's X-Request-Id is replaced, in either spelling");
    t.same(seen.get('x-custom-thing'), ['innocent-2'], 'an innocent underscore header passes');
    t.notOk(
      raw.some((v, i) => i % 2 === 1 && v === 'forged'),
      'no forged value anywhere',
    );
  }

  const realIp = (await gw.gateway.metrics.spoofedHeaders.get()).values.find((v) => v.labels.header === 'x-real-ip');
  t.equal(realIp?.value, 14, 'each spoofed X-Real-IP counted (7 spellings, 2 requests)');
  const operator = (await gw.gateway.metrics.spoofedHeaders.get()).values.find((v) => v.labels.header === 'x-internal-token');
  t.equal(operator?.value, 14, 'operator-stripped headers counted too');
  const labels = (await gw.gateway.metrics.spoofedHeaders.get()).values.map((v) => String(v.labels.header));
  t.ok(labels.includes('x-ssl-cert-chain-*'), 'a header family is counted under one label');
  t.notOk(
    labels.some((l) => /^x-ssl-cert-chain-\d+$/.test(l) || (/^x-amzn-mtls-clientcert-.+[^*]$/.test(l) && l !== 'x-amzn-mtls-clientcert-leaf')),
    'no label per invented family member (bounded metric series)',
  );
  t.ok(
    gw.logs.find((l) => l.event === 'spoofed_header_stripped' && (l.headers as string[]).includes('X_Real_IP')),
    'security log line names the spelling',
  );

  // TRACE: refused unless the route lists it; never forwarded.
  const before = upstream.received.length;
  const trace = await mtlsRequest({ port, ca, method: 'TRACE', path: '/spoof', headers: { 'X-Secret': 's' } });
  t.equal(trace.status, 405, 'TRACE on a route without methods: 405');
  t.equal(trace.json().code, 'METHOD_NOT_ALLOWED');
  t.equal(trace.headers['allow'], 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS', 'Allow lists what the route accepts');
  const traceLower = await rawRequest({ port, ca, head: 'TRACE /spoof HTTP/1.1\r\nHost: localhost' });
  t.equal(traceLower.status, 405, 'raw TRACE: 405');
  t.equal(upstream.received.length, before, 'TRACE was not forwarded');
  const allowed = await mtlsRequest({ port, ca, method: 'TRACE', path: '/trace-allowed/x' });
  t.equal(allowed.status, 200, 'TRACE on a route that lists it is forwarded');
  t.equal(upstream.received.at(-1)?.method, 'TRACE');

  // CONNECT: answered 405 on the connection Node hands over, then closed; never forwarded.
  const afterTrace = upstream.received.length;
  const connect = await rawRequest({ port, ca, head: 'CONNECT upstream.internal:443 HTTP/1.1\r\nHost: upstream.internal:443' });
  t.equal(connect.status, 405, 'CONNECT: 405');
  t.equal(jsonCode(connect).code, 'METHOD_NOT_ALLOWED');
  t.equal(connect.headers['allow'], 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS');
  const connectPath = await rawRequest({ port, ca, head: 'CONNECT /trace-allowed/x HTTP/1.1\r\nHost: localhost' });
  t.equal(connectPath.status, 405, 'CONNECT with a path: 405');
  t.equal(upstream.received.length, afterTrace, 'CONNECT was not forwarded');
  const stillServing = await mtlsRequest({ port, ca, path: '/after' });
  t.equal(stillServing.status, 200, 'the gateway keeps serving');
}
