// The upstream-auth strategies chosen at load: what each yields (the header it sets, the TLS
// options it adds) and which ones an upstream's tls/auth config selects.
import t from 'tap';
import { basicAuth, chooseUpstreamAuth, clientCertificateAuth } from '../../src/config/upstream-auth.js';

const BASIC = { username: 'gw', password: 'pw', header: 'X-Upstream-Auth', headerValue: `Basic ${Buffer.from('gw:pw').toString('base64')}` };
const CERT = { path: '/etc/certgate/gateway-client.pem', pem: 'CERT-PEM', certificates: [] };

t.test('basic yields its header and no TLS options', async (t) => {
  t.same(basicAuth(BASIC), { method: 'basic', header: ['X-Upstream-Auth', 'Basic Z3c6cHc='], tls: undefined });
});

t.test('client certificate yields TLS options and no header', async (t) => {
  t.same(clientCertificateAuth('CERT-PEM', 'KEY-PEM'), { method: 'client-certificate', header: undefined, tls: { cert: 'CERT-PEM', key: 'KEY-PEM' } });
});

t.test('the config selects none, one or both', async (t) => {
  t.same(chooseUpstreamAuth(undefined, undefined), []);
  t.same(chooseUpstreamAuth({ servername: 'idp.internal' }, undefined), [], 'trust alone is not authentication');
  t.same(
    chooseUpstreamAuth(undefined, { basic: BASIC }).map((a) => a.method),
    ['basic'],
  );
  t.same(
    chooseUpstreamAuth({ cert: CERT, keyPem: 'KEY-PEM' }, undefined).map((a) => a.method),
    ['client-certificate'],
  );
  t.same(
    chooseUpstreamAuth({ cert: CERT, keyPem: 'KEY-PEM' }, { basic: BASIC }).map((a) => a.method),
    ['client-certificate', 'basic'],
  );
});
