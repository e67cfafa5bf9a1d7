// The one validator of allow entries (the config loader and `certgate check` use it): literal
// messages per rule kind, and an entry the runtime matcher cannot compile is refused even when its
// syntax looks right.
import t from 'tap';
import { allowEntryProblem } from '../../src/policy/allow-entries.js';

const OK43 = 'OID_Sc2yReTDx9QS7f1SMUzNxsh7khJYmaIwqXw8Yuw';

t.test('good entries pass', async (t) => {
  for (const [key, value] of [
    ['subjectDN', 'CN=client,O=Example,C=JP'],
    ['subjectDN', 'cn=Smith\\, John;O=Example'],
    ['sanDNS', '*.example.org'],
    ['sanURI', 'spiffe://example.org/client'],
    ['sanEmail', 'client@example.org'],
    ['sanIP', '2001:db8::10'],
    ['sanIP', '10.0.0.1'],
    ['thumbprints', OK43],
  ] as const)
    t.equal(allowEntryProblem(key, value), undefined, `${key}: ${value}`);
});

t.test('bad entries, with the message the config error shows', async (t) => {
  t.equal(allowEntryProblem('sanIP', '10.0.0.300'), "expected an IPv4 or IPv6 address, got '10.0.0.300'");
  t.equal(allowEntryProblem('sanDNS', 'bad_name..example'), "expected a DNS name (optionally '*.' wildcard), got 'bad_name..example'");
  t.equal(allowEntryProblem('sanURI', '/relative'), "expected an absolute URI such as spiffe://example.org/client, got '/relative'");
  t.equal(allowEntryProblem('sanEmail', 'client.example.org'), "expected an email address, got 'client.example.org'");
  t.match(allowEntryProblem('subjectDN', 'nonsense'), /^expected an RFC 4514 distinguished name such as 'CN=client,O=Example,C=JP': /);
  t.match(allowEntryProblem('subjectDN', 'CN=client,badAttr=x'), /unknown attribute type "badAttr"/);
});

t.test('a thumbprint is exactly 43 base64url characters, and a SHA-256 can end only so', async (t) => {
  const bad = (v: string): string => `expected an x5t#S256 thumbprint (43 base64url characters, SHA-256 of the DER), got '${v}'`;
  for (const v of [`!${OK43.slice(1)}`, `${OK43.slice(0, 42)}!`, OK43.slice(1), `${OK43}A`, 'AA:BB', `${OK43.slice(0, 42)}x`]) {
    t.equal(allowEntryProblem('thumbprints', v), bad(v), v);
  }
});

t.test('DNS, URI and e-mail syntax is anchored at both ends and bounded (literal rows)', async (t) => {
  const dns = (v: string) => allowEntryProblem('sanDNS', v) === undefined;
  const label63 = 'a'.repeat(63);
  const rows: Array<[string, boolean]> = [
    ['example.org', true], // no wildcard needed
    ['*.example.org', true],
    ['a.b', true], // one-character labels
    ['x.y-z.a1', true],
    [`${label63}.example`, true],
    [`${'a'.repeat(64)}.example`, false], // a label over 63 characters
    ['-a.example', false],
    ['a-.example', false],
    ['_a.example', false],
    ['ex ample.org', false],
    ['a..b', false],
    [`${label63}.${label63}.${label63}.${label63.slice(0, 61)}`, true], // 253 characters
    [`${label63}.${label63}.${label63}.${label63.slice(0, 62)}`, false], // 254 characters
  ];
  for (const [v, ok] of rows) t.equal(dns(v), ok, `sanDNS ${v.length > 40 ? `${v.length} characters` : v}`);
  t.equal(allowEntryProblem('sanURI', '1spiffe://example.org/a'), "expected an absolute URI such as spiffe://example.org/client, got '1spiffe://example.org/a'");
  t.equal(allowEntryProblem('sanURI', 'spiffe://example.org/a b'), "expected an absolute URI such as spiffe://example.org/client, got 'spiffe://example.org/a b'");
  t.equal(allowEntryProblem('sanURI', 'spiffe://example.org/a'), undefined);
  t.equal(allowEntryProblem('sanEmail', 'a b@example.org'), "expected an email address, got 'a b@example.org'");
  t.equal(allowEntryProblem('sanEmail', 'a@example.org x'), "expected an email address, got 'a@example.org x'");
  t.equal(allowEntryProblem('sanEmail', 'a@example.org'), undefined);
});
