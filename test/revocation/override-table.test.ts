// The compiled override lookup (override-table.ts) on its own: the first override written wins
// when several name the same anchor (by thumbprint, by subject, or one each), and an anchor whose
// subject cannot be decoded is still found by its thumbprint. Expectations written literally.
import t from 'tap';
import { OverrideTable } from '../../src/revocation/override-table.js';
import { certInfo } from '../../src/x509/certificate-info.js';
import type { RevocationOverride } from '../../src/revocation/config.js';
import { makeTestPki } from '../helpers/pki.js';
import { expectedX5t } from '../helpers/expected-thumbprint.js';

const pki = await makeTestPki();
const root = certInfo(pki.rootCa.x509);
const rootX5t = expectedX5t(pki.rootCa.der);
// The root's subject is CN=certgate Test Root CA,O=certgate test; written differently on purpose.
const rootDN = 'cn=CERTGATE TEST ROOT CA, o=Certgate Test';
const named = new Map<RevocationOverride, string>();
const o = (name: string, issuer: RevocationOverride['issuer']): RevocationOverride => {
  const override: RevocationOverride = { issuer, check: 'off' };
  named.set(override, name);
  return override;
};
const nameOf = (r: RevocationOverride | undefined) => (r === undefined ? undefined : named.get(r));

t.test('size is the number of overrides configured', async (t) => {
  t.equal(new OverrideTable([]).size, 0);
  t.equal(new OverrideTable([o('a', { thumbprint: rootX5t }), o('b', { subjectDN: rootDN })]).size, 2);
});

t.test('the first override written wins', async (t) => {
  t.equal(nameOf(new OverrideTable([o('first', { thumbprint: rootX5t }), o('second', { thumbprint: rootX5t })]).match(root)), 'first', 'same thumbprint twice');
  t.equal(
    nameOf(new OverrideTable([o('first', { subjectDN: rootDN }), o('second', { subjectDN: 'CN=certgate test root ca,O=certgate test' })]).match(root)),
    'first',
    'same subject twice',
  );
  t.equal(nameOf(new OverrideTable([o('by-subject', { subjectDN: rootDN }), o('by-thumbprint', { thumbprint: rootX5t })]).match(root)), 'by-subject', 'subject written first');
  t.equal(
    nameOf(new OverrideTable([o('by-thumbprint', { thumbprint: rootX5t }), o('by-subject', { subjectDN: rootDN })]).match(root)),
    'by-thumbprint',
    'thumbprint written first',
  );
  t.equal(
    nameOf(new OverrideTable([o('other', { subjectDN: 'CN=Other CA' }), o('root', { subjectDN: rootDN })]).match(root)),
    'root',
    'a non-matching first override does not hide the second',
  );
  t.equal(new OverrideTable([o('other', { subjectDN: 'CN=Other CA' }), o('x', { thumbprint: 'A'.repeat(43) })]).match(root), undefined, 'none matches');
});

t.test('an anchor whose subject cannot be decoded is matched by thumbprint only', async (t) => {
  const undecodable = { ...root, subjectDer: Buffer.from([0x30, 0x03, 0x31, 0x01]) };
  t.equal(nameOf(new OverrideTable([o('by-subject', { subjectDN: rootDN }), o('by-thumbprint', { thumbprint: rootX5t })]).match(undecodable)), 'by-thumbprint');
  t.equal(new OverrideTable([o('by-subject', { subjectDN: rootDN })]).match(undecodable), undefined);
});
