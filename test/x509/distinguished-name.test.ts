import t from 'tap';
import { distinguishedNameProblem, dnEquals, escapeValue, formatDN, InvalidDistinguishedNameError, normalizeDN, parseDN } from '../../src/x509/distinguished-name.js';

const CLIENT = 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP';

t.test('dnEquals follows RFC 4517 distinguishedNameMatch', async (t) => {
  const table: Array<[string, string, boolean, string]> = [
    [CLIENT, CLIENT, true, 'identical'],
    [CLIENT, 'cn=client.example.org,o=Client,l=Chiyoda-ku,st=Tokyo,c=JP', true, 'attribute types are case-insensitive'],
    [CLIENT, 'CN=CLIENT.EXAMPLE.ORG,O=client,L=chiyoda-KU,ST=TOKYO,C=jp', true, 'values compare with caseIgnoreMatch'],
    [CLIENT, 'CN=client.example.org, O=Client, L=Chiyoda-ku, ST=Tokyo, C=JP', true, 'spaces after separators (RFC 2253 style)'],
    [CLIENT, 'C=JP,ST=Tokyo,L=Chiyoda-ku,O=Client,CN=client.example.org', false, 'RDN order matters'],
    [CLIENT, 'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo', false, 'different number of RDNs'],
    [CLIENT, 'CN=client.example.org,O=Other,L=Chiyoda-ku,ST=Tokyo,C=JP', false, 'different value'],
    ['CN=a,O=b', 'OID.2.5.4.3=a,2.5.4.10=b', true, 'OID.x and dotted OIDs equal short names'],
    ['CN=a,O=b', 'commonName=a,organizationName=b', true, 'long names'],
    ['CN=John  Smith,O=b', 'CN= john smith ,O=b', true, 'insignificant spaces: trimmed and collapsed'],
    ['CN=a\u00A0b', 'CN=a b', true, 'no-break space maps to space (RFC 4518)'],
    ['CN=Ａｂｃ', 'CN=abc', true, 'NFKC folds full-width letters'],
    ['CN=Smith\\, John,O=b', 'CN="Smith, John",O=b', true, 'escaped comma equals quoted value'],
    ['CN=Smith\\, John,O=b', 'CN=Smith\\2C John,O=b', true, 'hex-escaped comma'],
    ['CN=Smith\\, John,O=b', 'CN=Smith,CN= John,O=b', false, 'escaped comma is not a separator'],
    ['CN=a\\+b', 'CN=a+O=b', false, 'escaped plus is not a multi-valued RDN'],
    ['CN=say \\"hi\\"', 'CN=say \\22hi\\22', true, 'escaped quotes'],
    ['CN=caf\\C3\\A9', 'CN=café', true, 'hex-escaped UTF-8 octets'],
    ['CN=caf\\C3\\A9', 'CN=CAFÉ', true, 'non-ASCII case folding'],
    ['CN=a+OU=b,O=c', 'OU=b+CN=a,O=c', true, 'multi-valued RDN compared as a set'],
    ['CN=a+OU=b,O=c', 'CN=a,OU=b,O=c', false, 'multi-valued RDN is not two RDNs'],
    ['CN=a+OU=b,O=c', 'CN=a+OU=x,O=c', false, 'multi-valued RDN with a different member'],
    ['CN=test,O=b', 'CN=#0C0474657374,O=b', true, '#hex UTF8String equals the string'],
    ['CN=test,O=b', 'CN=#130474657374,O=b', true, '#hex PrintableString equals the string'],
    ['CN=test,O=b', 'CN=#0C0474657375,O=b', false, '#hex with other content'],
    ['1.2.3.4=#020105', '1.2.3.4=#020105', true, 'non-string BER compared as bytes'],
    ['1.2.3.4=#020105', '1.2.3.4=#020106', false, 'non-string BER compared as bytes (differ)'],
    ['', '', true, 'empty DN'],
    ['CN=\\ lead', 'CN=lead', true, 'escaped leading space is still insignificant for matching'],
  ];
  for (const [a, b, expected, why] of table) {
    t.equal(dnEquals(a, b), expected, `${why}: ${a} vs ${b}`);
    t.equal(normalizeDN(a) === normalizeDN(b), expected, `normalizeDN agrees: ${why}`);
  }
});

t.test('parseDN structure', async (t) => {
  const dn = parseDN(CLIENT);
  t.equal(dn.length, 5);
  t.same(
    dn.map((rdn) => rdn.map((atv) => [atv.oid, atv.text])),
    [[['2.5.4.3', 'client.example.org']], [['2.5.4.10', 'Client']], [['2.5.4.7', 'Chiyoda-ku']], [['2.5.4.8', 'Tokyo']], [['2.5.4.6', 'JP']]],
  );
  const multi = parseDN('CN=a+OU=b,O=c');
  t.equal(multi.length, 2);
  t.equal(multi[0]!.length, 2);
  t.equal(parseDN('CN=trailing\\ ')[0]![0]!.text, 'trailing ', 'escaped trailing space kept');
  t.equal(parseDN('CN=trailing   ,O=x')[0]![0]!.text, 'trailing', 'unescaped trailing spaces dropped');
  t.equal(parseDN('CN=a=b')[0]![0]!.text, 'a=b', 'unescaped "=" inside a value');
  t.equal(parseDN('CN=a;O=b').length, 2, '";" separates RDNs (RFC 2253 input)');
  t.same(parseDN('   '), [], 'blank string is the empty DN');
});

t.test('parseDN rejects malformed names with a position', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['CN', /expected "type=value"/],
    ['CN=a,', /expected "type=value"/],
    ['XX=a', /unknown attribute type "XX"/],
    ['CN=a\\q', /invalid escape/],
    ['CN=\\C3', /not valid UTF-8/],
    ['CN="unterminated', /unterminated quoted value/],
    ['CN=#zz', /hex pairs/],
    ['CN=#0C05', /not a BER encoding/],
    ['CN="a"b', /unexpected "b"/],
  ];
  for (const [input, message] of bad) {
    t.throws(() => parseDN(input), message, input);
    try {
      parseDN(input);
    } catch (err) {
      t.type(err, InvalidDistinguishedNameError);
      t.type((err as InvalidDistinguishedNameError).position, 'number');
    }
  }
});

t.test('formatDN prints RFC 4514 and round-trips through parseDN', async (t) => {
  const cases: Array<[string, string]> = [
    [CLIENT, CLIENT],
    ['cn=a, o=b', 'CN=a,O=b'],
    ['CN=Smith\\, John+OU=x\\+y,O=b', 'CN=Smith\\, John+OU=x\\+y,O=b'],
    ['CN=\\#hash,O=\\ lead\\ ', 'CN=\\#hash,O=\\ lead\\ '],
    ['CN=a\\<b\\>c\\;d\\\\e', 'CN=a\\<b\\>c\\;d\\\\e'],
    ['CN=café', 'CN=caf\\C3\\A9'],
    ['CN=line\\0Abreak', 'CN=line\\0Abreak'],
    ['2.5.4.3=x', 'CN=x'],
    ['1.2.3.4=#020105', '1.2.3.4=#020105'],
    ['1.2.3.4=text', '1.2.3.4=#0C0474657874'],
    ['E=ops@example.org', 'emailAddress=ops@example.org'],
  ];
  for (const [input, expected] of cases) {
    const printed = formatDN(parseDN(input));
    t.equal(printed, expected, input);
    t.ok(dnEquals(printed, input), `round trip: ${input}`);
  }
  t.equal(formatDN(parseDN('CN=café'), { asciiOnly: false }), 'CN=café', 'UTF-8 kept when asked');
});

t.test('escapeValue never lets CR or LF through (header safety)', async (t) => {
  t.equal(escapeValue('a\r\nX-Evil: 1'), 'a\\0D\\0AX-Evil: 1');
  t.equal(escapeValue('\u0000'), '\\00');
});

t.test('distinguishedNameProblem: what config accepts as an allow.subjectDN or override DN', async (t) => {
  for (const ok of [
    'CN=client.example.org,O=Client,L=Chiyoda-ku,ST=Tokyo,C=JP',
    'CN=a+UID=b,O=x',
    'CN=Smith\\, John',
    '2.5.4.3=#0403616263',
    'cn=a, o=b',
    // The runtime parser (x509/distinguished-name.ts) reads RFC 2253's ';' separator, and config is checked by that parser.
    'CN=a;O=b',
    '1.2.99999999999999999999999=#0C0161',
  ]) {
    t.equal(distinguishedNameProblem(ok), undefined, ok);
  }
  for (const bad of ['client.example.org', 'XYZ=a', 'CN=a,badAttr=b', '=x', 'CN=a,', 'CN=a\\q', 'C N=x']) t.type(distinguishedNameProblem(bad), 'string', bad);
});
