import t from 'tap';
import type { RouteConfig, UpstreamConfig } from '../../src/config/types.js';
import { compileRoutes, normaliseHost } from '../../src/routing/route-table.js';

const upstream = { name: 'u' } as UpstreamConfig;

function route(name: string, match: { host?: string; pathPrefix: string; methods?: string[] }, listeners?: string[]): RouteConfig {
  return {
    name,
    ...(listeners ? { listeners } : {}),
    match: { host: match.host, pathPrefix: match.pathPrefix, methods: match.methods ? new Set(match.methods) : undefined },
    upstream,
    clientCert: 'required',
  };
}

const routes: RouteConfig[] = [
  route('catch-all', { pathPrefix: '/' }),
  route('token', { host: 'as.example.com', pathPrefix: '/oauth/v2/oauth-token', methods: ['POST'] }),
  route('as-other', { host: 'as.example.com', pathPrefix: '/oauth/' }),
  route('api', { pathPrefix: '/api/' }),
  route('api-write', { pathPrefix: '/api/items', methods: ['POST', 'PUT'] }),
  route('api-read-dup', { pathPrefix: '/api/items', methods: ['GET'] }),
  route('api-first-tie', { pathPrefix: '/api/ties', methods: ['GET'] }),
  route('api-second-tie', { pathPrefix: '/api/ties', methods: ['GET', 'DELETE'] }),
  route('admin-only', { pathPrefix: '/admin/' }, ['internal']),
  route('internal-host', { host: 'int.example', pathPrefix: '/x' }, ['internal']),
];
const table = compileRoutes(routes);

// [listener, host, path, method, expected route name or undefined]
const cases: [string, string | undefined, string, string, string | undefined][] = [
  ['public', 'as.example.com', '/oauth/v2/oauth-token', 'POST', 'token'],
  ['public', 'AS.Example.COM:8443', '/oauth/v2/oauth-token', 'POST', 'token'],
  ['public', 'as.example.com.', '/oauth/v2/oauth-token', 'POST', 'token'],
  ['public', 'as.example.com', '/oauth/v2/oauth-token?x=1', 'POST', 'token'],
  ['public', 'as.example.com', '/oauth/v2/oauth-token', 'GET', 'as-other'],
  ['public', 'as.example.com', '/oauth/v2/oauth-tokenx', 'POST', 'token'],
  ['public', 'as.example.com', '/other', 'GET', 'catch-all'],
  ['public', 'other.example', '/oauth/v2/oauth-token', 'POST', 'catch-all'],
  ['public', undefined, '/oauth/v2/oauth-token', 'POST', 'catch-all'],
  ['public', 'x', '/api/items/1', 'POST', 'api-write'],
  ['public', 'x', '/api/items/1', 'GET', 'api-read-dup'],
  ['public', 'x', '/api/items/1', 'PATCH', 'api'],
  ['public', 'x', '/api/ties', 'GET', 'api-first-tie'],
  ['public', 'x', '/api/ties', 'DELETE', 'api-second-tie'],
  ['public', 'x', '/api', 'GET', 'catch-all'],
  ['public', 'x', '/api/', 'GET', 'api'],
  ['public', 'x', '/api/?q=/admin/', 'GET', 'api'],
  ['public', 'x', '/admin/', 'GET', 'catch-all'],
  ['internal', 'x', '/admin/users', 'GET', 'admin-only'],
  ['internal', 'int.example:9443', '/x', 'GET', 'internal-host'],
  ['public', 'int.example', '/x', 'GET', 'catch-all'],
  ['unknown-listener', 'x', '/admin/', 'GET', 'catch-all'],
  ['public', 'x', '/API/', 'GET', 'catch-all'],
  ['public', 'x', '/api/%2e%2e/admin', 'GET', 'api'],
];

for (const [listener, host, path, method, want] of cases) {
  t.test(`${listener} ${host} ${method} ${path}`, async (t) => {
    t.equal(table.match(listener, host, path, method)?.name, want);
  });
}

t.test('no route at all', async (t) => {
  const only = compileRoutes([route('post-only', { pathPrefix: '/token', methods: ['POST'] })]);
  t.equal(only.match('public', 'h', '/token', 'GET'), undefined, 'method not allowed anywhere');
  t.equal(only.match('public', 'h', '/other', 'POST'), undefined, 'no prefix');
  t.equal(compileRoutes([]).match('public', 'h', '/', 'GET'), undefined, 'empty table');
});

t.test('a host route never matches another host or a request without Host', async (t) => {
  const onlyHost = compileRoutes([route('h', { host: 'a.example', pathPrefix: '/' })]);
  t.equal(onlyHost.match('l', 'b.example', '/', 'GET'), undefined);
  t.equal(onlyHost.match('l', undefined, '/', 'GET'), undefined);
  t.equal(onlyHost.match('l', 'a.example', '/', 'GET')?.name, 'h');
});

t.test('normaliseHost', async (t) => {
  const hosts: [string, string][] = [
    ['Example.COM', 'example.com'],
    ['example.com:443', 'example.com'],
    ['example.com.', 'example.com'],
    ['example.com.:443', 'example.com'],
    ['[::1]:8443', '[::1]'],
    ['[::1]', '[::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['[::1', '[::1'], // no closing bracket: nothing is cut
    ['[]', '[]'],
    ['.', '.'], // a lone dot is not a trailing dot
    ['a.', 'a'],
  ];
  for (const [input, want] of hosts) t.equal(normaliseHost(input), want, input);
});

t.test('a route naming listeners never serves another named listener', async (t) => {
  const two = compileRoutes([route('x-only', { pathPrefix: '/x/' }, ['lx']), route('y-only', { pathPrefix: '/y/' }, ['ly']), route('both', { pathPrefix: '/' })]);
  t.equal(two.match('lx', 'h', '/x/1', 'GET')?.name, 'x-only');
  t.equal(two.match('ly', 'h', '/x/1', 'GET')?.name, 'both', "lx's route is not ly's");
  t.equal(two.match('ly', 'h', '/y/1', 'GET')?.name, 'y-only');
  t.equal(two.match('lx', 'h', '/y/1', 'GET')?.name, 'both', "ly's route is not lx's");
  t.equal(two.match('other', 'h', '/x/1', 'GET')?.name, 'both', 'an unnamed listener gets only the listener-agnostic routes');
});
