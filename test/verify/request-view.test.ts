// How certgate/verify reads a request (request-view.ts): the derived components of RFC 9421
// section 2.2 taken from the target byte for byte, the authority's sources in order, and header
// fields from a Node header object or a fetch Headers. Expectations written out literally.
import t from 'tap';
import { requestView, splitTarget } from '../../src/verify/request-view.js';
import { CertgateVerifyError } from '../../src/verify/errors.js';

t.test('splitTarget: path, query and authority of origin- and absolute-form targets', async (t) => {
  const rows: ReadonlyArray<[string, { path: string; query: string | undefined; authority?: string }]> = [
    ['/token', { path: '/token', query: undefined }],
    ['/token?a=1&b', { path: '/token', query: '?a=1&b' }],
    ['/token?', { path: '/token', query: '?' }],
    ['/a?b?c', { path: '/a', query: '?b?c' }],
    ['/a#frag', { path: '/a', query: undefined }],
    ['/a?q#frag', { path: '/a', query: '?q' }],
    ['', { path: '/', query: undefined }], // RFC 9421 2.2.6: an empty path is "/"
    ['?x', { path: '/', query: '?x' }],
    ['https://IdP.Example:8443/token?x=1', { path: '/token', query: '?x=1', authority: 'IdP.Example:8443' }],
    ['HTTPS://idp.example:443/t', { path: '/t', query: undefined, authority: 'idp.example' }], // default port dropped, scheme any case
    ['https://idp.example:80/t', { path: '/t', query: undefined, authority: 'idp.example:80' }],
    ['http://idp.example:80/t', { path: '/t', query: undefined, authority: 'idp.example' }],
    ['http://idp.example:443/t', { path: '/t', query: undefined, authority: 'idp.example:443' }],
    ['http://idp.example:8080', { path: '/', query: undefined, authority: 'idp.example:8080' }],
    ['https://idp.example?q', { path: '/', query: '?q', authority: 'idp.example' }],
    ['https://idp.example#f', { path: '/', query: undefined, authority: 'idp.example' }],
    ['https://user:pw@idp.example/x', { path: '/x', query: undefined, authority: 'idp.example' }], // userinfo is not authority
    ['https://a@b@idp.example/x', { path: '/x', query: undefined, authority: 'idp.example' }],
    ['https://[::1]:443/x', { path: '/x', query: undefined, authority: '[::1]' }],
    ['https://idp.example:4430/x', { path: '/x', query: undefined, authority: 'idp.example:4430' }],
    ['/redirect?to=https://evil.example/', { path: '/redirect', query: '?to=https://evil.example/' }], // a scheme only at the start counts
    ['/x/https://evil.example/', { path: '/x/https://evil.example/', query: undefined }],
  ];
  for (const [url, want] of rows) t.same(splitTarget(url), want, url);
});

t.test('requestView: method and url are required', async (t) => {
  for (const req of [
    { url: '/', headers: {} },
    { method: 'GET', headers: {} },
    { method: 1, url: '/', headers: {} },
  ]) {
    t.throws(() => requestView(req as never), new CertgateVerifyError('ERR_MALFORMED', 'request needs a method and a url'), JSON.stringify(req));
    try {
      requestView(req as never);
    } catch (e) {
      t.equal((e as CertgateVerifyError).code, 'ERR_MALFORMED');
    }
  }
});

t.test('requestView: the authority comes from the option, the absolute URL, :authority, then Host; lower-cased', async (t) => {
  const headers = { host: 'Host.Example', ':authority': 'Pseudo.Example' };
  t.equal(requestView({ method: 'GET', url: '/', authority: 'Opt.Example', headers }).authority, 'opt.example');
  t.equal(requestView({ method: 'GET', url: 'https://Abs.Example/', headers }).authority, 'abs.example');
  t.equal(requestView({ method: 'GET', url: '/', headers }).authority, 'pseudo.example');
  t.equal(requestView({ method: 'GET', url: '/', headers: { host: 'Host.Example' } }).authority, 'host.example');
  t.equal(requestView({ method: 'GET', url: '/', headers: {} }).authority, undefined);
});

t.test('requestView: fields by lower-cased name, from a header object or fetch Headers', async (t) => {
  const fromObject = requestView({ method: 'POST', url: '/x?y', headers: { 'X-A': ['1', '2'], 'x-b': 'v', 'X-Skip': undefined } });
  t.same(
    [...fromObject.fields],
    [
      ['x-a', ['1', '2']],
      ['x-b', ['v']],
    ],
  );
  t.equal(fromObject.method, 'POST');
  t.equal(fromObject.path, '/x');
  t.equal(fromObject.query, '?y');
  const h = new Headers();
  h.append('X-A', '1');
  h.append('x-a', '2');
  h.set('Host', 'H.example');
  const fromHeaders = requestView({ method: 'GET', url: '/', headers: h });
  t.same(fromHeaders.fields.get('x-a'), ['1, 2'], 'Headers joins repeated fields itself');
  t.equal(fromHeaders.authority, 'h.example');
  // An object that merely has a forEach (no get) is read as a plain header object.
  const odd = { forEach: 'not a function', 'x-c': '3' } as unknown as Record<string, string>;
  t.same(requestView({ method: 'GET', url: '/', headers: odd }).fields.get('x-c'), ['3']);
  const onlyForEach = {
    forEach() {
      throw new Error('must not be called');
    },
    'x-d': '4',
  } as unknown as Record<string, string>;
  t.same(requestView({ method: 'GET', url: '/', headers: onlyForEach }).fields.get('x-d'), ['4']);
});
