// The TLS options of an upstream connection, built once from the upstream's config for the
// connection pool: always verified, trust and SNI as configured (SNI never an IP literal), and
// the gateway's client certificate only when the config gives one.
import t from 'tap';
import type { UpstreamConfig, UpstreamTlsConfig } from '../../src/config/types.js';
import { basicAuth, clientCertificateAuth, type UpstreamAuth } from '../../src/config/upstream-auth.js';
import { upstreamHost, upstreamTlsOptions } from '../../src/forward/upstream-tls.js';

function upstream(url: string, tls?: UpstreamTlsConfig, authentication: UpstreamAuth[] = []): UpstreamConfig {
  return { name: 'u', url: new URL(url), ...(tls ? { tls } : {}), authentication } as unknown as UpstreamConfig;
}

const CA = { path: '/etc/certgate/upstream-ca.pem', pem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n', certificates: [] };
const BASIC = basicAuth({ username: 'gw', password: 'pw', header: 'Authorization', headerValue: 'Basic Z3c6cHc=' });

t.test('http upstreams have no TLS options', async (t) => {
  t.equal(upstreamTlsOptions(upstream('http://127.0.0.1:9080')), undefined);
  t.equal(upstreamTlsOptions(upstream('http://backend.internal', undefined, [BASIC])), undefined);
});

t.test("https: verified, SNI from the URL's DNS name, no client certificate by default", async (t) => {
  t.same(upstreamTlsOptions(upstream('https://idp.internal:8443')), { rejectUnauthorized: true, servername: 'idp.internal' });
  const withBasic = upstreamTlsOptions(upstream('https://idp.internal:8443', undefined, [BASIC]))!;
  t.equal(withBasic.cert, undefined, 'basic auth adds no certificate');
  t.equal(withBasic.key, undefined);
});

t.test('no SNI for an IP literal; IPv6 brackets dropped for connect', async (t) => {
  t.equal(upstreamTlsOptions(upstream('https://127.0.0.1:9443'))!.servername, undefined);
  t.equal(upstreamTlsOptions(upstream('https://[2001:db8::1]:9443'))!.servername, undefined);
  t.equal(upstreamHost(new URL('https://[2001:db8::1]:9443')), '2001:db8::1');
  t.equal(upstreamHost(new URL('https://idp.internal:8443')), 'idp.internal');
});

t.test("configured trust, SNI and the gateway's client certificate", async (t) => {
  const options = upstreamTlsOptions(upstream('https://127.0.0.1:9443', { ca: CA, servername: 'idp.internal' }, [clientCertificateAuth('CERT-PEM', 'KEY-PEM'), BASIC]));
  t.same(options, { rejectUnauthorized: true, ca: CA.pem, servername: 'idp.internal', cert: 'CERT-PEM', key: 'KEY-PEM' });
});
