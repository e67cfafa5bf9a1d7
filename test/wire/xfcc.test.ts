import t from 'tap';
import { parseXfcc, serializeXfccElement, XfccSyntaxError, xfccValue, type XfccElement } from '../../src/wire/xfcc.js';

// [pairs, expected serialisation]: quoting per Envoy's rules.
const serialise: [XfccElement, string][] = [
  [[['Hash', 'ab12']], 'Hash=ab12'],
  [[['URI', 'spiffe://x/y']], 'URI=spiffe://x/y'],
  [[['URI', 'a;b']], 'URI="a;b"'],
  [[['URI', 'a,b']], 'URI="a,b"'],
  [[['URI', 'a=b']], 'URI="a=b"'],
  [[['DNS', 'a"b']], 'DNS="a\\"b"'],
  [[['DNS', 'a\\b']], 'DNS="a\\\\b"'],
  [[['Subject', 'CN=x']], 'Subject="CN=x"'],
  [[['Subject', '']], 'Subject=""'],
  [[['Cert', 'abc']], 'Cert="abc"'],
  [[['URI', '']], 'URI='],
  [
    [
      ['Hash', 'h'],
      ['DNS', 'a'],
      ['DNS', 'b'],
    ],
    'Hash=h;DNS=a;DNS=b',
  ],
];
for (const [pairs, want] of serialise) {
  t.test(`serialise ${want}`, async (t) => {
    t.equal(serializeXfccElement(pairs), want);
    t.same(parseXfcc(want), [pairs], 'parses back');
  });
}

t.test('Envoy documentation example parses', async (t) => {
  const v =
    'By=http://frontend.lyft.com;Hash=468ed33be74eee6556d90c0149c1309e9ba61d6425303443c0748a02dd8de688;' +
    'Subject="/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client";URI=http://testclient.lyft.com,' +
    'By=http://backend.lyft.com;Hash=9ba61d6425303443c0748a02dd8de688468ed33be74eee6556d90c0149c1309e;' +
    'SAN=http://frontend.lyft.com';
  const els = parseXfcc(v);
  t.equal(els.length, 2);
  t.equal(xfccValue(els[0]!, 'subject'), '/C=US/ST=CA/L=San Francisco/OU=Lyft/CN=Test Client');
  t.equal(xfccValue(els[1]!, 'BY'), 'http://backend.lyft.com');
  t.equal(xfccValue(els[1]!, 'Cert'), undefined);
});

t.test('quoted separators do not split elements or pairs', async (t) => {
  const els = parseXfcc('Subject="a,b;c=d \\"e\\"";DNS=x , Hash=1');
  t.equal(els.length, 2);
  t.same(els[0], [
    ['Subject', 'a,b;c=d "e"'],
    ['DNS', 'x'],
  ]);
  t.same(els[1], [['Hash', '1']]);
});

for (const badValue of ['Subject="abc', 'Subject="a\\"', '=x', 'noequals']) {
  t.test(`rejects ${badValue}`, async (t) => {
    t.throws(() => parseXfcc(badValue), XfccSyntaxError);
  });
}
