// The rewrite of one metadata document, without sockets: the aliases written out literally, the
// discovery paths, the content codings, and properties over arbitrary bytes and documents (the
// document is the upstream's input: nothing in it may throw, and no alias may keep the old host).
import t from 'tap';
import fc from 'fast-check';
import zlib from 'node:zlib';
import { rewriteDiscoveryDocument } from '../../src/discovery/discovery-document.js';
import { isDiscoveryPath } from '../../src/discovery/discovery-paths.js';
import { contentCoding, decodeBody } from '../../src/discovery/body-decoding.js';

const seed = Number(process.env.FC_SEED ?? 20261129);
t.comment(`fast-check seed ${seed} (set FC_SEED to replay)`);
const runs = { seed, numRuns: 300 };

const ALIAS = { mtlsAliasHost: 'mtls.as.example', boundTokens: false };
const rewrite = (doc: string, config = ALIAS): string => {
  const out = rewriteDiscoveryDocument(Buffer.from(doc), config);
  return typeof out === 'string' ? `refused: ${out}` : out.toString('utf8');
};

t.test('every aliased endpoint, in the document order of the list; others left out', async (t) => {
  const doc = JSON.stringify({
    registration_endpoint: 'https://as.example/reg',
    userinfo_endpoint: 'https://as.example/me',
    pushed_authorization_request_endpoint: 'https://as.example/par',
    device_authorization_endpoint: 'https://as.example/device',
    introspection_endpoint: 'https://as.example/introspect',
    revocation_endpoint: 'https://as.example/revoke',
    token_endpoint: 'https://as.example/token?x=1#f',
    authorization_endpoint: 'https://as.example/auth',
    end_session_endpoint: 'https://as.example/logout',
    jwks_uri: 'https://as.example/jwks',
  });
  t.equal(
    rewrite(doc),
    '{"registration_endpoint":"https://as.example/reg","userinfo_endpoint":"https://as.example/me","pushed_authorization_request_endpoint":"https://as.example/par",' +
      '"device_authorization_endpoint":"https://as.example/device","introspection_endpoint":"https://as.example/introspect","revocation_endpoint":"https://as.example/revoke",' +
      '"token_endpoint":"https://as.example/token?x=1#f","authorization_endpoint":"https://as.example/auth","end_session_endpoint":"https://as.example/logout","jwks_uri":"https://as.example/jwks",' +
      '"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.as.example/token?x=1#f","revocation_endpoint":"https://mtls.as.example/revoke",' +
      '"introspection_endpoint":"https://mtls.as.example/introspect","device_authorization_endpoint":"https://mtls.as.example/device",' +
      '"pushed_authorization_request_endpoint":"https://mtls.as.example/par","userinfo_endpoint":"https://mtls.as.example/me","registration_endpoint":"https://mtls.as.example/reg"}}',
  );
});

t.test('ports: kept without one in the alias host, replaced with one', async (t) => {
  const doc = '{"token_endpoint":"https://as.example:8443/token","userinfo_endpoint":"https://as.example/me"}';
  t.equal(
    rewrite(doc),
    '{"token_endpoint":"https://as.example:8443/token","userinfo_endpoint":"https://as.example/me","mtls_endpoint_aliases":{"token_endpoint":"https://mtls.as.example:8443/token","userinfo_endpoint":"https://mtls.as.example/me"}}',
  );
  t.equal(
    rewrite(doc, { mtlsAliasHost: 'mtls.as.example:9443', boundTokens: true }),
    '{"token_endpoint":"https://as.example:8443/token","userinfo_endpoint":"https://as.example/me","mtls_endpoint_aliases":{"token_endpoint":"https://mtls.as.example:9443/token","userinfo_endpoint":"https://mtls.as.example:9443/me"},"tls_client_certificate_bound_access_tokens":true}',
  );
  // a URL drops a port that is its scheme's default
  t.equal(
    rewrite('{"token_endpoint":"https://as.example:8443/t"}', { mtlsAliasHost: 'mtls.as.example:443', boundTokens: false }),
    '{"token_endpoint":"https://as.example:8443/t","mtls_endpoint_aliases":{"token_endpoint":"https://mtls.as.example/t"}}',
  );
});

t.test('existing aliases replaced in place; an existing bound-tokens flag overwritten only with boundTokens', async (t) => {
  const doc = '{"mtls_endpoint_aliases":{"x":"y"},"tls_client_certificate_bound_access_tokens":false,"token_endpoint":"https://as.example/t"}';
  t.equal(
    rewrite(doc),
    '{"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.as.example/t"},"tls_client_certificate_bound_access_tokens":false,"token_endpoint":"https://as.example/t"}',
  );
  t.equal(
    rewrite(doc, { ...ALIAS, boundTokens: true }),
    '{"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.as.example/t"},"tls_client_certificate_bound_access_tokens":true,"token_endpoint":"https://as.example/t"}',
  );
});

t.test('endpoints that are not http(s) URLs get no alias', async (t) => {
  t.equal(
    rewrite('{"token_endpoint":42,"revocation_endpoint":"/relative","introspection_endpoint":"urn:x:y","userinfo_endpoint":"javascript:alert(1)"}'),
    '{"token_endpoint":42,"revocation_endpoint":"/relative","introspection_endpoint":"urn:x:y","userinfo_endpoint":"javascript:alert(1)","mtls_endpoint_aliases":{}}',
  );
});

t.test('refusals', async (t) => {
  t.equal(rewrite(''), 'refused: invalid-json');
  t.equal(rewrite('{"a":'), 'refused: invalid-json');
  t.equal(rewrite('[]'), 'refused: not-object');
  t.equal(rewrite('null'), 'refused: not-object');
  t.equal(rewrite('"text"'), 'refused: not-object');
  const deep = '{"token_endpoint":"https://as.example/t","x":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
  t.equal(rewrite(deep), 'refused: too-deep', 'nesting that parses but would overflow the stack when serialised');
  t.equal(typeof rewriteDiscoveryDocument(Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x3a, 0x31, 0x7d]), ALIAS), 'string', 'invalid UTF-8 is refused, not replaced');
});

t.test('discovery paths', async (t) => {
  for (const p of [
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
    '/.well-known/oauth-authorization-server/tenant',
    '/.well-known/oauth-authorization-server/a/b',
    '/tenant/.well-known/openid-configuration',
  ])
    t.ok(isDiscoveryPath(p), p);
  for (const p of [
    '/',
    '/.well-known/jwks.json',
    '/.well-known/openid-configuration/',
    '/.well-known/openid-configurationx',
    '/.well-known/oauth-authorization-serverx',
    '/.well-known/oauth-authorization-server/',
    '/.well-known/OPENID-CONFIGURATION',
  ])
    t.notOk(isDiscoveryPath(p), p);
});

t.test('content codings', async (t) => {
  t.equal(contentCoding([]), 'identity');
  t.equal(contentCoding(['identity']), 'identity');
  t.equal(contentCoding(['GZIP']), 'gzip');
  t.equal(contentCoding(['x-gzip']), 'gzip');
  t.equal(contentCoding([' br ']), 'br');
  t.equal(contentCoding(['deflate']), 'deflate');
  t.equal(contentCoding(['gzip, br']), undefined, 'two codings stacked');
  t.equal(contentCoding(['gzip', 'gzip']), undefined, 'two header lines');
  t.equal(contentCoding(['zstd']), undefined);
  const text = Buffer.from('{"a":1}');
  t.equal(String(decodeBody(zlib.deflateRawSync(text), 'deflate', 100)), '{"a":1}', 'raw deflate accepted as deflate');
  t.equal(decodeBody(zlib.gzipSync(Buffer.alloc(101)), 'gzip', 100), 'too-large');
  t.equal(decodeBody(zlib.brotliCompressSync(Buffer.alloc(101)), 'br', 100), 'too-large');
  t.equal(decodeBody(zlib.deflateSync(Buffer.alloc(101)), 'deflate', 100), 'too-large');
  t.equal(decodeBody(Buffer.from('junk'), 'gzip', 100), 'corrupt');
  t.equal(String(decodeBody(zlib.gzipSync(Buffer.alloc(100, 0x61)), 'gzip', 100)), 'a'.repeat(100), 'exactly the limit decodes');
});

t.test('property: any bytes are rewritten or refused, never thrown', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      rewriteDiscoveryDocument(bytes, ALIAS); // a throw fails the property
    }),
    runs,
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom('gzip' as const, 'deflate' as const, 'br' as const), (bytes, coding) => {
      decodeBody(Buffer.from(bytes), coding, 1024); // a throw fails the property
    }),
    runs,
  );
});

t.test('property: any JSON object keeps its other members, and every alias is on the alias host with the path kept', async () => {
  const endpoint = fc.webUrl({ withQueryParameters: true, withFragments: true });
  const names = ['token_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'userinfo_endpoint'] as const;
  fc.assert(
    fc.property(
      fc.dictionary(fc.string(), fc.jsonValue()),
      fc.record({ token_endpoint: endpoint, revocation_endpoint: endpoint, introspection_endpoint: endpoint, userinfo_endpoint: endpoint }, { requiredKeys: [] }),
      (other, endpoints) => {
        const doc: Record<string, unknown> = { ...other, ...endpoints };
        const out = rewriteDiscoveryDocument(Buffer.from(JSON.stringify(doc)), ALIAS);
        if (!Buffer.isBuffer(out)) return false;
        const got = JSON.parse(out.toString('utf8')) as Record<string, unknown>;
        const aliases = got['mtls_endpoint_aliases'] as Record<string, string>;
        for (const key of Object.keys(doc)) if (key !== 'mtls_endpoint_aliases' && JSON.stringify(got[key]) !== JSON.stringify(JSON.parse(JSON.stringify(doc[key])))) return false;
        for (const name of names) {
          const original = endpoints[name];
          if (original === undefined) {
            if (name in aliases) return false;
            continue;
          }
          const a = new URL(aliases[name]!);
          const o = new URL(original);
          if (a.hostname !== 'mtls.as.example' || a.pathname !== o.pathname || a.search !== o.search || a.protocol !== o.protocol || a.port !== o.port) return false;
        }
        return true;
      },
    ),
    runs,
  );
});
