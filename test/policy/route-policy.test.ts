import t from 'tap';
import type { AllowRules } from '../../src/config/types.js';
import type { ClientIdentity, VerifyStatus } from '../../src/identity/types.js';
import { describeCertificate } from '../../src/identity/client-certificate.js';
import { checkAllow, compileAllow } from '../../src/policy/route-policy.js';
import type { IssuedCertificate } from '../../src/pki/certificate-factory.js';
import { makeTestPki } from '../helpers/pki.js';

const NONE: AllowRules = { subjectDN: [], sanDNS: [], sanURI: [], sanEmail: [], sanIP: [], thumbprints: [] };
const rules = (r: Partial<AllowRules>): AllowRules => ({ ...NONE, ...r });

function identity(cert: IssuedCertificate | undefined, verify: VerifyStatus = 'SUCCESS'): ClientIdentity {
  if (!cert) return { chain: [], verify: 'NONE' };
  return { certificate: describeCertificate(cert.x509), chain: [], verify, ...(verify === 'FAILED' ? { verifyReason: 'DEPTH_ZERO_SELF_SIGNED_CERT' } : {}) };
}

t.test('checkAllow table', async (t) => {
  const pki = await makeTestPki();
  const client = identity(pki.client);
  const selfSigned = identity(pki.clientSelfSigned, 'FAILED');
  const selfSignedThumbprint = describeCertificate(pki.clientSelfSigned.x509).x5tS256;
  const clientThumbprint = client.certificate!.x5tS256;

  const table: Array<[string, AllowRules, ClientIdentity, boolean]> = [
    ['subject DN exact', rules({ subjectDN: ['CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP'] }), client, true],
    ['subject DN other case and spacing', rules({ subjectDN: ['cn=CLIENT.example.org, o=client, l=Chiyoda-KU, st=tokyo, c=jp'] }), client, true],
    ['subject DN reversed order', rules({ subjectDN: ['C=JP,ST=Tokyo,L=Chiyoda-ku,O=Client,CN=client.example.org'] }), client, false],
    ['subject DN prefix only', rules({ subjectDN: ['CN=client.example.org,O=Client'] }), client, false],
    ['SAN DNS', rules({ sanDNS: ['client.example.org'] }), client, true],
    ['SAN DNS case-insensitive, trailing dot', rules({ sanDNS: ['Client.Example.ORG.'] }), client, true],
    ['SAN DNS other name', rules({ sanDNS: ['other.example.org'] }), client, false],
    ['SAN DNS is not a subject CN match for an unrelated cert', rules({ sanDNS: ['client.example.org'] }), identity(pki.clientRevoked), false],
    ['SAN URI', rules({ sanURI: ['spiffe://example.org/client'] }), client, true],
    ['SAN URI exact (no prefix match)', rules({ sanURI: ['spiffe://example.org/'] }), client, false],
    ['SAN email, domain case-insensitive', rules({ sanEmail: ['client@EXAMPLE.org'] }), client, true],
    ['SAN email, local part case-sensitive', rules({ sanEmail: ['Client@example.org'] }), client, false],
    ['SAN IPv4', rules({ sanIP: ['192.0.2.10'] }), client, true],
    ['SAN IPv6 in another spelling', rules({ sanIP: ['2001:0db8:0:0:0:0:0:0010'] }), client, true],
    ['SAN IP other address', rules({ sanIP: ['192.0.2.11'] }), client, false],
    ['thumbprint pinned', rules({ thumbprints: [clientThumbprint] }), client, true],
    ['thumbprint of another cert', rules({ thumbprints: [selfSignedThumbprint] }), client, false],
    ['any entry matches: first list misses, second hits', rules({ subjectDN: ['CN=nobody'], sanDNS: ['client.example.org'] }), client, true],
    ['empty allow list admits nobody', NONE, client, false],
    ['no certificate', rules({ sanDNS: ['client.example.org'] }), identity(undefined), false],
    // Anyone can self-sign a certificate with the same subject and SANs: names need a verified chain.
    ['unverified cert with an allowed subject', rules({ subjectDN: ['CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP'] }), selfSigned, false],
    ['unverified cert with an allowed SAN', rules({ sanDNS: ['client.example.org'] }), selfSigned, false],
    ['unverified cert pinned by thumbprint (optional_no_ca)', rules({ thumbprints: [selfSignedThumbprint] }), selfSigned, true],
    ['certificate from an unknown CA with the allowed SAN, unverified', rules({ sanDNS: ['client.example.org'] }), identity(pki.clientUnknownCa, 'FAILED'), false],
  ];
  for (const [name, allow, who, expected] of table) {
    const verdict = checkAllow(who, compileAllow(allow));
    t.equal(verdict.ok, expected, name);
    if (!verdict.ok) {
      t.type(verdict.reason, 'string', `${name}: has a reason`);
      t.notMatch(verdict.reason, /example\.org|CN=/, `${name}: reason does not echo the allow list`);
    }
  }
});

t.test('compileAllow precomputes normalized sets once', async (t) => {
  const compiled = compileAllow(rules({ subjectDN: ['CN=A, O=B', 'cn=a,o=b'], sanDNS: ['X.example.'], sanIP: ['::1', '0:0::1'], thumbprints: ['abc'] }));
  t.equal(compiled.subjectDN.size, 1, 'equal DNs collapse');
  t.same([...compiled.sanDNS], ['x.example']);
  t.same([...compiled.sanIP], ['::1']);
  t.ok(Object.isFrozen(compiled));
  t.throws(() => compileAllow(rules({ sanIP: ['not-an-ip'] })), /not an IP address/);
  t.throws(() => compileAllow(rules({ subjectDN: ['CN'] })), /invalid distinguished name/);
});

t.test('compiled entries, literally: how names are normalised once at load', async (t) => {
  const c = compileAllow(
    rules({
      sanDNS: [' Client.Example.ORG. ', 'Bücher.example', 'xn--bcher-kva.example'],
      sanEmail: ['client@EXAMPLE.org', 'Local.Part@Example.ORG', '@Domain.Only', 'NoAtSigN', 'a@b@C.org'],
    }),
  );
  t.same([...c.sanDNS], ['client.example.org', 'xn--bcher-kva.example'], 'trimmed, no trailing dot, lower case, A-labels (IDN U-label and A-label collapse)');
  t.same([...c.sanEmail], ['client@example.org', 'Local.Part@example.org', '@domain.only', 'NoAtSigN', 'a@b@c.org'], 'domain lower-cased from the last @; local part kept');
});

t.test('verdict reasons, literally (safe to show the client)', async (t) => {
  const pki = await makeTestPki();
  t.same(checkAllow(identity(undefined), compileAllow(rules({ sanDNS: ['x.example'] }))), { ok: false, reason: 'a client certificate is required' });
  t.same(checkAllow(identity(pki.clientSelfSigned, 'FAILED'), compileAllow(rules({ sanDNS: ['x.example'] }))), {
    ok: false,
    reason: 'client certificate is not verified and is not pinned for this route',
  });
  t.same(checkAllow(identity(pki.client), compileAllow(rules({ sanDNS: ['x.example'] }))), { ok: false, reason: 'client certificate is not allowed on this route' });
});
