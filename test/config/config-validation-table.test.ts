// Every config validation error, driven through loadConfig, with what the operator reads written
// out literally: `file:line:column: key: message`. One row per place in src/config/ that reports an
// error, the allow rules (allow-rules.ts) and revocation (revocation-config.ts) included. Each row's YAML has exactly
// that one mistake, so the row also proves the mistake is reported once and nothing else is.
import t from 'tap';
import { mkdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load-config.js';
import { bigSubjectCaBundle, lineOf, makeTestPki, write, type TestPki } from './fixtures.js';

let pki: TestPki;
t.before(() => {
  pki = makeTestPki();
});
t.teardown(() => pki.cleanup());

const LISTENER = (clientAuth = '      trustedCAs: [ca.pem]\n', tls = '{ cert: server.pem, key: server-key.pem }', extra = ''): string => `listeners:
  - name: public
    listen: 127.0.0.1:8443
    tls: ${tls}
    clientAuth:
${clientAuth}${extra}`;
const UPSTREAM = (extra = '', url = 'http://127.0.0.1:9080'): string => `upstreams:
  echo:
    url: ${url}
${extra}`;
const ROUTE = (extra = ''): string => `routes:
  - name: all
    upstream: echo
${extra}`;
const OK = (): string => LISTENER() + UPSTREAM() + ROUTE();

interface Row {
  /** The YAML, with exactly one mistake. */
  readonly yaml: string;
  /** A substring of the line the error must point at. */
  readonly at: string;
  /** The dotted key the error names. */
  readonly key: string;
  /** A literal fragment of the message (paths of files in the test dir written as DIR/). */
  readonly message: string;
  /** Extra files to create in the test dir first. */
  readonly files?: (dir: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  /** A consequence reported after the error (key: message fragment). */
  readonly then?: string;
}

const rows: Record<string, Row> = {
  // config-section.ts
  'a section that is not a mapping': {
    yaml: LISTENER('').replace('    clientAuth:\n', '    clientAuth: [ca.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'clientAuth: [ca.pem]',
    key: 'listeners[0].clientAuth',
    message: 'expected a mapping with keys mode, trustedCAs, verifyDepth, rejectAtHandshake, keyPolicy, got a list',
  },
  'a key that is not plain': {
    yaml: LISTENER() + UPSTREAM('    ? [x]\n    : 1\n') + ROUTE(),
    at: '? [x]',
    key: 'upstreams.echo',
    message: 'expected a plain key',
  },
  'an unknown key, with the closest known one': {
    yaml: LISTENER('      trustedCAs: [ca.pem]\n      verifyDeph: 2\n') + UPSTREAM() + ROUTE(),
    at: 'verifyDeph',
    key: 'listeners[0].clientAuth.verifyDeph',
    message: "unknown key 'verifyDeph' (did you mean 'verifyDepth'?); expected one of mode, trustedCAs, verifyDepth, rejectAtHandshake",
  },
  'a missing required key': {
    yaml: OK().replace('    listen: 127.0.0.1:8443\n', ''),
    at: '- name: public',
    key: 'listeners[0].listen',
    message: "missing required key 'listen'",
  },
  // yaml-values.ts
  'a value of the wrong type': {
    yaml: LISTENER('      trustedCAs: [ca.pem]\n      verifyDepth: deep\n') + UPSTREAM() + ROUTE(),
    at: 'verifyDepth: deep',
    key: 'listeners[0].clientAuth.verifyDepth',
    message: "got 'deep'",
  },
  'an environment variable that is not set': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: server-key.pem, ciphers: "${TLS_CIPHERS}" }') + UPSTREAM() + ROUTE(),
    at: 'TLS_CIPHERS',
    key: 'listeners[0].tls.ciphers',
    message: 'environment variable TLS_CIPHERS is not set',
    env: {},
  },
  'an unterminated ${': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: server-key.pem, ciphers: "${TLS_CIPHERS" }') + UPSTREAM() + ROUTE(),
    at: 'TLS_CIPHERS',
    key: 'listeners[0].tls.ciphers',
    message: "unterminated '${' (write '$${' for a literal '${')",
  },
  'an invalid environment variable name': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: server-key.pem, ciphers: "${TLS-CIPHERS}" }') + UPSTREAM() + ROUTE(),
    at: 'TLS-CIPHERS',
    key: 'listeners[0].tls.ciphers',
    message: "invalid environment variable name 'TLS-CIPHERS' in '${...}' (expected letters, digits, _)",
  },
  'a duplicate listener name': {
    yaml:
      LISTENER() +
      '  - name: public # again\n    listen: 127.0.0.1:8444\n    tls: { cert: server.pem, key: server-key.pem }\n    clientAuth: { trustedCAs: [ca.pem] }\n' +
      UPSTREAM() +
      ROUTE(),
    at: 'public # again',
    key: 'listeners[1].name',
    message: "listener name 'public' is already used by listeners[0]",
  },
  // config-files.ts
  'a file that does not exist': {
    yaml: LISTENER('      trustedCAs: [nope.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'nope.pem',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: 'CA certificate file DIR/nope.pem does not exist',
  },
  'a path that is not a regular file': {
    yaml: LISTENER('      trustedCAs: [a-directory]\n') + UPSTREAM() + ROUTE(),
    at: 'a-directory',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: 'CA certificate file DIR/a-directory is not a regular file',
    files: (dir) => mkdirSync(join(dir, 'a-directory'), { recursive: true }),
  },
  'a file larger than 256 MiB': {
    yaml: LISTENER('      trustedCAs: [huge.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'huge.pem',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: `CA certificate file DIR/huge.pem is larger than ${256 * 1024 * 1024} bytes`,
    files: (dir) => {
      writeFileSync(join(dir, 'huge.pem'), '');
      truncateSync(join(dir, 'huge.pem'), 256 * 1024 * 1024 + 1);
    }, // sparse
  },
  'a file that cannot be read (a symlink loop)': {
    // (EACCES cannot be produced here: the tests may run as root, who reads every file.)
    yaml: LISTENER('      trustedCAs: [loop.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'loop.pem',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: 'CA certificate file DIR/loop.pem cannot be read (ELOOP)',
    files: (dir) => {
      rmSync(join(dir, 'loop.pem'), { force: true });
      symlinkSync('loop.pem', join(dir, 'loop.pem'));
    },
  },
  // certificate-files.ts
  'a DER file that is not a certificate': {
    yaml: LISTENER('      trustedCAs: [garbage.der]\n') + UPSTREAM() + ROUTE(),
    at: 'garbage.der',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: 'CA certificate file DIR/garbage.der is not a valid DER certificate',
    files: (dir) => writeFileSync(join(dir, 'garbage.der'), Buffer.from([0x30, 0x82, 0x00, 0x04, 0x02, 0x01, 0x01, 0x05, 0x00])),
  },
  'a certificate file holding a key': {
    yaml: LISTENER('      trustedCAs: [other-key.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'other-key.pem',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: 'CA certificate file DIR/other-key.pem holds a private key, not a certificate (are cert and key swapped?)',
  },
  'a certificate file holding no certificate': {
    yaml: LISTENER('      trustedCAs: [not-a-cert.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'not-a-cert.pem',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: "CA certificate file DIR/not-a-cert.pem holds no certificate (expected PEM '-----BEGIN CERTIFICATE-----' or DER)",
  },
  'a PEM certificate that cannot be parsed': {
    yaml: LISTENER('      trustedCAs: [broken.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'broken.pem',
    key: 'listeners[0].clientAuth.trustedCAs[0]',
    message: 'certificate #1 in DIR/broken.pem cannot be parsed',
  },
  'an encrypted private key': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: encrypted-key.pem }') + UPSTREAM() + ROUTE(),
    at: 'encrypted-key.pem',
    key: 'listeners[0].tls.key',
    message: 'private key file DIR/encrypted-key.pem is encrypted; certgate needs an unencrypted key (protect it with file permissions)',
    files: (dir) =>
      writeFileSync(
        join(dir, 'encrypted-key.pem'),
        generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }),
      ),
  },
  'a key file holding no key (a certificate)': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: ca.pem }') + UPSTREAM() + ROUTE(),
    at: 'key: ca.pem',
    key: 'listeners[0].tls.key',
    message: 'private key file DIR/ca.pem holds no usable private key (expected PEM PKCS#8, PKCS#1 or SEC1) (it holds a certificate: are cert and key swapped?)',
  },
  'a key that does not match the certificate': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: other-key.pem }') + UPSTREAM() + ROUTE(),
    at: 'other-key.pem',
    key: 'listeners[0].tls.key',
    message: 'private key DIR/other-key.pem does not match the certificate DIR/server.pem',
  },
  // crl-files.ts
  'a CRL file holding no CRL': {
    yaml: LISTENER('      trustedCAs: [ca.pem]\n', undefined, '    revocation: { crl: { files: [not-a-cert.pem] } }\n') + UPSTREAM() + ROUTE(),
    at: 'revocation:',
    key: 'listeners[0].revocation.crl.files[0]',
    message: "CRL file DIR/not-a-cert.pem holds no CRL (expected PEM '-----BEGIN X509 CRL-----' blocks or DER)",
  },
  'a CRL that cannot be parsed': {
    yaml: LISTENER('      trustedCAs: [ca.pem]\n', undefined, '    revocation: { crl: { files: [broken.crl] } }\n') + UPSTREAM() + ROUTE(),
    at: 'revocation:',
    key: 'listeners[0].revocation.crl.files[0]',
    message: 'CRL #1 in DIR/broken.crl ',
    files: (dir) => writeFileSync(join(dir, 'broken.crl'), '-----BEGIN X509 CRL-----\nMIIBAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n-----END X509 CRL-----\n'),
  },
  // listener-config.ts
  'no listener': {
    yaml: 'listeners: []\n' + UPSTREAM() + ROUTE(),
    at: 'listeners: []',
    key: 'listeners',
    message: 'expected at least one listener',
  },
  'a listen address that is not host:port': {
    yaml: OK().replace('listen: 127.0.0.1:8443', 'listen: nowhere'),
    at: 'listen: nowhere',
    key: 'listeners[0].listen',
    message: "got 'nowhere'",
  },
  'a listener name with a space': {
    yaml: OK().replace('- name: public', '- name: "pub lic"'),
    at: 'pub lic',
    key: 'listeners[0].name',
    message: "expected a name of letters, digits, _ . - (starting with a letter or digit), got 'pub lic'",
  },
  'maxVersion below minVersion': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: server-key.pem, minVersion: TLSv1.3, maxVersion: TLSv1.2 }') + UPSTREAM() + ROUTE(),
    at: 'maxVersion',
    key: 'listeners[0].tls.maxVersion',
    message: 'maxVersion TLSv1.2 is below minVersion TLSv1.3',
  },
  'a sessionTimeout that is not whole seconds': {
    yaml: LISTENER(undefined, '{ cert: server.pem, key: server-key.pem, sessionTimeout: 1500ms }') + UPSTREAM() + ROUTE(),
    at: 'sessionTimeout',
    key: 'listeners[0].tls.sessionTimeout',
    message: 'expected whole seconds',
  },
  'clientAuth require without trustedCAs': {
    yaml: LISTENER('      mode: require\n') + UPSTREAM() + ROUTE(),
    at: 'mode: require',
    key: 'listeners[0].clientAuth.trustedCAs',
    message: "clientAuth.mode 'require' needs trustedCAs: the CA certificates that issue client certificates",
  },
  'no clientAuth at all (mode require by default)': {
    yaml: LISTENER('').replace('    clientAuth:\n', '') + UPSTREAM() + ROUTE(),
    at: '- name: public',
    key: 'listeners[0].clientAuth',
    message:
      "clientAuth.mode 'require' (the default) needs trustedCAs: the CA certificates that issue client certificates; set mode: off to accept TLS without client certificates",
  },
  'rejectAtHandshake without mode require': {
    yaml: LISTENER('      mode: optional\n      trustedCAs: [ca.pem]\n      rejectAtHandshake: true\n') + UPSTREAM() + ROUTE(),
    at: 'rejectAtHandshake',
    key: 'listeners[0].clientAuth.rejectAtHandshake',
    message: "rejectAtHandshake: true needs mode 'require' (mode is 'optional')",
  },
  'trusted CA names over the TLS CertificateRequest limit': {
    yaml: LISTENER('      trustedCAs: [bulk.pem]\n') + UPSTREAM() + ROUTE(),
    at: 'trustedCAs: [bulk.pem]',
    key: 'listeners[0].clientAuth.trustedCAs',
    message: 'bytes',
    files: (dir) => write(dir, 'bulk.pem', bigSubjectCaBundle(dir, 16)),
  },
  // listener-limits.ts
  'a limit of zero': {
    yaml: LISTENER('      trustedCAs: [ca.pem]\n', undefined, '    limits: { pipelineDepth: 0 }\n') + UPSTREAM() + ROUTE(),
    at: 'pipelineDepth',
    key: 'listeners[0].limits.pipelineDepth',
    message: 'got 0',
  },
  'maxHeaderSize below 1kb': {
    yaml: LISTENER('      trustedCAs: [ca.pem]\n', undefined, '    limits: { maxHeaderSize: 512 }\n') + UPSTREAM() + ROUTE(),
    at: 'maxHeaderSize',
    key: 'listeners[0].limits.maxHeaderSize',
    message: 'expected at least 1kb',
  },
  // load-config.ts
  'workers that is neither auto nor a number': {
    yaml: 'workers: lots\n' + OK(),
    at: 'workers: lots',
    key: 'workers',
    message: "expected auto or an integer from 1 to 1024, got 'lots'",
  },
  'two listeners on one address': {
    yaml:
      LISTENER() +
      '  - name: second\n    listen: 127.0.0.1:8443 # same\n    tls: { cert: server.pem, key: server-key.pem }\n    clientAuth: { trustedCAs: [ca.pem] }\n' +
      UPSTREAM() +
      ROUTE(),
    at: '8443 # same',
    key: 'listeners[1].listen',
    message: 'address 127.0.0.1:8443 is already used by listeners[0].listen',
  },
  // route-config.ts
  // token-binding-config.ts
  'tokenBinding with neither jwt nor introspection': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    tokenBinding: { required: true }\n'),
    at: 'tokenBinding:',
    key: 'routes[0].tokenBinding',
    message: 'expected jwt (for JWT access tokens), introspection (for opaque tokens) or both',
  },
  'a symmetric JWT algorithm': {
    yaml:
      LISTENER() +
      UPSTREAM() +
      ROUTE('    tokenBinding:\n      jwt: { issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks, audiences: [api], algorithms: [ES256, HS256] }\n'),
    at: 'HS256',
    key: 'routes[0].tokenBinding.jwt.algorithms[1]',
    message: "expected an asymmetric JWS algorithm (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519), got 'HS256'",
  },
  'a JWT clock skew over 5m': {
    yaml:
      LISTENER() +
      UPSTREAM() +
      ROUTE('    tokenBinding:\n      jwt: { issuer: https://idp.example.com, jwksUri: https://idp.example.com/jwks, audiences: [api], clockSkew: 10m }\n'),
    at: 'clockSkew: 10m',
    key: 'routes[0].tokenBinding.jwt.clockSkew',
    message: 'expected at most 5m: a larger skew keeps expired tokens alive',
  },
  'a JWKS URI that is not http(s)': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    tokenBinding:\n      jwt: { issuer: https://idp.example.com, jwksUri: file:///etc/jwks.json, audiences: [api] }\n'),
    at: 'file:///etc/jwks.json',
    key: 'routes[0].tokenBinding.jwt.jwksUri',
    message: "expected an http:// or https:// URL, got 'file:///etc/jwks.json'",
  },
  'an introspection URL with credentials': {
    yaml:
      LISTENER() +
      UPSTREAM() +
      ROUTE('    tokenBinding:\n      introspection:\n        url: https://gw:pw@idp.example.com/introspect\n        auth: { basic: { username: gw, password: pw } }\n'),
    at: 'gw:pw@',
    key: 'routes[0].tokenBinding.introspection.url',
    message: 'credentials in the URL are not allowed (use auth.basic)',
  },
  'introspection auth with neither basic nor a client certificate': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    tokenBinding:\n      introspection:\n        url: https://idp.example.com/introspect\n        auth: { tls: { ca: ca.pem } }\n'),
    at: 'auth:',
    key: 'routes[0].tokenBinding.introspection.auth',
    message: 'expected basic or tls (with cert and key): how the gateway authenticates to the endpoint',
  },
  'a route naming an unknown listener': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    listeners: [pubic]\n'),
    at: 'pubic',
    key: 'routes[0].listeners[0]',
    message: "no listener named 'pubic'; expected one of public",
  },
  'a route with an empty listener list': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    listeners: []\n'),
    at: 'listeners: []',
    key: 'routes[0].listeners',
    message: 'expected at least one listener name (omit listeners for every listener)',
  },
  'a route naming an unknown upstream': {
    yaml: LISTENER() + UPSTREAM() + ROUTE().replace('upstream: echo', 'upstream: ecko'),
    at: 'ecko',
    key: 'routes[0].upstream',
    message: "no upstream named 'ecko'; expected one of echo",
  },
  'a host with a port': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    match: { host: "as.example.com:8443" }\n'),
    at: 'as.example.com:8443',
    key: 'routes[0].match.host',
    message: "expected a host name without port, such as as.example.com, got 'as.example.com:8443'",
  },
  'a pathPrefix without a leading slash': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    match: { pathPrefix: api }\n'),
    at: 'pathPrefix',
    key: 'routes[0].match.pathPrefix',
    message: "expected a path starting with '/', got 'api'",
  },
  'a pathPrefix with a query': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    match: { pathPrefix: "/api?x=1" }\n'),
    at: 'pathPrefix',
    key: 'routes[0].match.pathPrefix',
    message: "expected a path without query, fragment or spaces, got '/api?x=1'",
  },
  'a method that is not a token': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    match: { methods: [GET, "GE T"] }\n'),
    at: 'GE T',
    key: 'routes[0].match.methods[1]',
    message: "expected an HTTP method such as GET or POST, got 'GE T'",
  },
  'an empty method list': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    match: { methods: [] }\n'),
    at: 'methods: []',
    key: 'routes[0].match.methods',
    message: 'expected at least one method (omit methods to match every method)',
  },
  // upstream-config.ts
  'an upstream name with a space': {
    yaml: LISTENER() + 'upstreams:\n  "ec ho":\n    url: http://127.0.0.1:9080\n' + ROUTE().replace('upstream: echo', 'upstream: "ec ho"'),
    at: 'url: http',
    key: 'upstreams.ec ho',
    message: "upstream name: expected a name of letters, digits, _ . - (starting with a letter or digit), got 'ec ho'",
  },
  'an upstream url that is not a URL': {
    yaml: LISTENER() + UPSTREAM('', 'not a url') + ROUTE(),
    at: 'not a url',
    key: 'upstreams.echo.url',
    message: "expected an http:// or https:// origin such as https://idp.internal:8443, got 'not a url'",
    // The route then names an upstream that failed to load: reported too.
    then: "routes[0].upstream: no upstream named 'echo'",
  },
  'an upstream url with a path': {
    yaml: LISTENER() + UPSTREAM('', 'ftp://127.0.0.1:9080/x') + ROUTE(),
    at: 'ftp://',
    key: 'upstreams.echo.url',
    message: "expected an http:// or https:// origin, got 'ftp://127.0.0.1:9080/x': scheme 'ftp' is not http or https; only an origin is allowed, no path, query or fragment",
    // The route then names an upstream that failed to load: reported too.
    then: "routes[0].upstream: no upstream named 'echo'",
  },
  'an upstream url with credentials (not echoed)': {
    yaml: LISTENER() + UPSTREAM('', 'http://user:hunter2@127.0.0.1:9080') + ROUTE(),
    at: 'hunter2',
    key: 'upstreams.echo.url',
    message: 'expected an http:// or https:// origin, got the URL: credentials in the URL are not allowed (use auth.basic)',
    // The route then names an upstream that failed to load: reported too.
    then: "routes[0].upstream: no upstream named 'echo'",
  },
  'a clientCert header that is not a token': {
    yaml: LISTENER() + UPSTREAM('    clientCert: { header: "X Cert" }\n') + ROUTE(),
    at: 'X Cert',
    key: 'upstreams.echo.clientCert.header',
    message: "'X Cert' is not a valid header name (RFC 9110 token)",
  },
  'a clientCert chainHeader that is hop-by-hop': {
    yaml: LISTENER() + UPSTREAM('    clientCert: { chainHeader: Connection }\n') + ROUTE(),
    at: 'chainHeader',
    key: 'upstreams.echo.clientCert.chainHeader',
    message: "'Connection' is a hop-by-hop or framing header and cannot carry gateway data",
  },
  'a signature expiresIn that is not whole seconds': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: k1, expiresIn: 1500ms }\n') + ROUTE(),
    at: 'expiresIn',
    key: 'upstreams.echo.signature.expiresIn',
    message: 'expected whole seconds',
  },
  'a signature largeBodies that is not reject or unsigned-body': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: k1, largeBodies: stream }\n') + ROUTE(),
    at: 'largeBodies',
    key: 'upstreams.echo.signature.largeBodies',
    message: "expected one of reject | unsigned-body, got 'stream'",
  },
  'a signature digestMaxBody that is not a size': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: k1, digestMaxBody: lots }\n') + ROUTE(),
    at: 'digestMaxBody',
    key: 'upstreams.echo.signature.digestMaxBody',
    message: 'expected a size like 16384, 16kb or 1mb',
  },
  // route-signature.ts
  'a route signature on an upstream that does not sign': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    signature: { largeBodies: unsigned-body }\n'),
    at: 'signature: { largeBodies',
    key: 'routes[0].signature',
    message: "upstream 'echo' does not sign requests (no upstreams.echo.signature); remove signature from this route",
  },
  'a route signature largeBodies that is not reject or unsigned-body': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: ed25519.pem, keyId: k1 }\n') + ROUTE('    signature: { largeBodies: maybe }\n'),
    at: 'largeBodies: maybe',
    key: 'routes[0].signature.largeBodies',
    message: "expected one of reject | unsigned-body, got 'maybe'",
  },
  'header collision: clientCert.header is a header the gateway sets itself': {
    yaml: LISTENER() + UPSTREAM('    clientCert: { header: x-client-verify }\n') + ROUTE(),
    at: 'x-client-verify',
    key: 'upstreams.echo.clientCert',
    message: "header 'x-client-verify' is already set by the gateway itself",
  },
  'header collision: chainHeader equals header': {
    yaml: LISTENER() + UPSTREAM('    clientCert: { header: X-Cert, chainHeader: x-cert }\n') + ROUTE(),
    at: 'chainHeader',
    key: 'upstreams.echo.clientCert',
    message: "header 'x-cert' is already set by clientCert.header",
  },
  'header collision: auth.basic.header equals clientCert.header': {
    yaml: LISTENER() + UPSTREAM('    clientCert: { header: X-Cert }\n    auth:\n      basic: { username: gw, password: pw, header: X-CERT }\n') + ROUTE(),
    at: '      basic:',
    key: 'upstreams.echo.auth',
    message: "header 'X-CERT' is already set by clientCert.header",
  },
  'header collision: auth.basic.header is X-Forwarded-For': {
    yaml: LISTENER() + UPSTREAM('    auth:\n      basic: { username: gw, password: pw, header: X-Forwarded-For }\n') + ROUTE(),
    at: '      basic:',
    key: 'upstreams.echo.auth',
    message: "header 'X-Forwarded-For' is already set by the gateway itself",
  },
  // signature-key.ts
  'hmac with a JWK that is not a secret': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: hmac-sha256, keyFile: ed25519.jwk, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: "alg hmac-sha256 needs a secret key; DIR/ed25519.jwk holds a JWK of kty 'OKP'",
  },
  'hmac with a PEM key': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: hmac-sha256, keyFile: p256.pem, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: 'alg hmac-sha256 needs a secret key; DIR/p256.pem holds a PEM PRIVATE KEY',
  },
  'hmac with a short secret': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: hmac-sha256, keyFile: short-hmac.key, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: 'hmac-sha256 secret in DIR/short-hmac.key is 16 bytes; at least 32 are needed',
  },
  'ed25519 with a secret JWK': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: oct.jwk, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: "alg ed25519 needs a private key; DIR/oct.jwk holds a secret (kty 'oct') JWK",
    files: (dir) => writeFileSync(join(dir, 'oct.jwk'), JSON.stringify({ kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') })),
  },
  'ed25519 with neither PEM nor JWK': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: password.txt, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: 'alg ed25519 needs a private key (PEM PKCS#8 or JWK); DIR/password.txt holds neither',
  },
  'a PEM signature key that cannot be read': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: bad-key.pem, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: 'signature key file DIR/bad-key.pem holds no usable private key (expected unencrypted PEM PKCS#8 or a private JWK)',
    files: (dir) => writeFileSync(join(dir, 'bad-key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIBAAAAAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n'),
  },
  'a signature key of the wrong type': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ed25519, keyFile: p256.pem, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: 'alg ed25519 needs an Ed25519 private key; DIR/p256.pem holds',
  },
  'ecdsa-p256-sha256 with a P-384 key': {
    yaml: LISTENER() + UPSTREAM('    signature: { alg: ecdsa-p256-sha256, keyFile: p384.pem, keyId: k1 }\n') + ROUTE(),
    at: 'keyFile',
    key: 'upstreams.echo.signature.keyFile',
    message: 'alg ecdsa-p256-sha256 needs an EC P-256 private key; DIR/p384.pem holds',
  },
  // upstream-credentials.ts
  'upstream tls on an http:// upstream': {
    yaml: LISTENER() + UPSTREAM('    tls: { servername: idp.internal }\n') + ROUTE(),
    at: 'servername',
    key: 'upstreams.echo.tls',
    message: 'tls is only for https:// upstreams; use an https:// url or remove tls',
  },
  'an SNI servername that is not a DNS name': {
    yaml: LISTENER() + UPSTREAM('    tls: { servername: "idp internal" }\n', 'https://127.0.0.1:9443') + ROUTE(),
    at: 'servername',
    key: 'upstreams.echo.tls.servername',
    message: "expected a DNS name for SNI, got 'idp internal'",
  },
  'an upstream client cert without its key': {
    yaml: LISTENER() + UPSTREAM('    tls: { cert: client.pem }\n', 'https://127.0.0.1:9443') + ROUTE(),
    at: 'client.pem',
    key: 'upstreams.echo.tls.cert',
    message: "tls.cert needs tls.key (the private key of the gateway's client certificate)",
  },
  'an upstream client key without its cert': {
    yaml: LISTENER() + UPSTREAM('    tls: { key: other-key.pem }\n', 'https://127.0.0.1:9443') + ROUTE(),
    at: 'other-key.pem',
    key: 'upstreams.echo.tls.key',
    message: "tls.key needs tls.cert (the gateway's client certificate)",
  },
  'a Basic username with a colon': {
    yaml: LISTENER() + UPSTREAM('    auth:\n      basic: { username: "a:b", password: pw }\n') + ROUTE(),
    at: 'a:b',
    key: 'upstreams.echo.auth.basic.username',
    message: "a Basic username cannot contain ':' (RFC 7617)",
  },
  'both password and passwordFile': {
    yaml: LISTENER() + UPSTREAM('    auth:\n      basic: { username: gw, password: pw, passwordFile: password.txt }\n') + ROUTE(),
    at: 'passwordFile',
    key: 'upstreams.echo.auth.basic.passwordFile',
    message: 'give either password or passwordFile, not both',
  },
  'an empty password file': {
    yaml: LISTENER() + UPSTREAM('    auth:\n      basic: { username: gw, passwordFile: empty.txt }\n') + ROUTE(),
    at: 'passwordFile',
    key: 'upstreams.echo.auth.basic.passwordFile',
    message: 'password file DIR/empty.txt is empty',
    files: (dir) => writeFileSync(join(dir, 'empty.txt'), '\n'),
  },
  'no password': {
    yaml: LISTENER() + UPSTREAM('    auth:\n      basic: { username: gw }\n') + ROUTE(),
    at: 'basic:',
    key: 'upstreams.echo.auth.basic.password',
    message: "missing required key 'password' (or 'passwordFile')",
  },
  'a Basic header that is framing': {
    yaml: LISTENER() + UPSTREAM('    auth:\n      basic: { username: gw, password: pw, header: Content-Length }\n') + ROUTE(),
    at: 'Content-Length',
    key: 'upstreams.echo.auth.basic.header',
    message: "'Content-Length' is a hop-by-hop or framing header and cannot carry gateway data",
  },
  // allow-entries.ts (one row per rule kind) and allow-rules.ts (an empty allow block)
  'allow: a subjectDN that is not a distinguished name': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      subjectDN: [not-a-dn]\n'),
    at: 'not-a-dn',
    key: 'routes[0].allow.subjectDN[0]',
    message: "expected an RFC 4514 distinguished name such as 'CN=client,O=Example,C=JP': ",
  },
  'allow: a sanDNS that is not a DNS name': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      sanDNS: [bad_name..example]\n'),
    at: 'bad_name',
    key: 'routes[0].allow.sanDNS[0]',
    message: "expected a DNS name (optionally '*.' wildcard), got 'bad_name..example'",
  },
  'allow: a sanURI that is not absolute': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      sanURI: [/relative/path]\n'),
    at: '/relative/path',
    key: 'routes[0].allow.sanURI[0]',
    message: "expected an absolute URI such as spiffe://example.org/client, got '/relative/path'",
  },
  'allow: a sanEmail without @': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      sanEmail: [client.example.org]\n'),
    at: 'sanEmail:',
    key: 'routes[0].allow.sanEmail[0]',
    message: "expected an email address, got 'client.example.org'",
  },
  'allow: a sanIP that is not an address': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      sanIP: [192.0.2.300]\n'),
    at: '192.0.2.300',
    key: 'routes[0].allow.sanIP[0]',
    message: "expected an IPv4 or IPv6 address, got '192.0.2.300'",
  },
  'allow: a thumbprint of the wrong length': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      thumbprints: [abc]\n'),
    at: 'thumbprints:',
    key: 'routes[0].allow.thumbprints[0]',
    message: "expected an x5t#S256 thumbprint (43 base64url characters, SHA-256 of the DER), got 'abc'",
  },
  'allow with no entry': {
    yaml: LISTENER() + UPSTREAM() + ROUTE('    allow:\n      sanDNS: []\n'),
    at: 'sanDNS: []',
    key: 'routes[0].allow',
    message: 'allow needs at least one entry in subjectDN, sanDNS, sanURI, sanEmail, sanIP, thumbprints; remove allow to admit every verified certificate',
  },
  // revocation-config.ts:46, :62, :67, :79, :131, :135, :140
  'revocation with no usable source (failMode closed)': {
    yaml: LISTENER(undefined, undefined, '    revocation: { check: leaf, sources: [crl], failMode: closed }\n') + UPSTREAM() + ROUTE(),
    at: 'revocation:',
    key: 'listeners[0].revocation.sources',
    message: "check 'leaf' has no usable source: enable ocsp, or give crl.files or crl.distributionPoints: true (with failMode closed every client would be rejected)",
  },
  'a revocation source listed twice': {
    yaml: LISTENER(undefined, undefined, '    revocation:\n      sources: [ocsp, ocsp]\n') + UPSTREAM() + ROUTE(),
    at: 'sources: [ocsp, ocsp]',
    key: 'listeners[0].revocation.sources[1]',
    message: "source 'ocsp' is listed twice",
  },
  'an empty revocation source list': {
    yaml: LISTENER(undefined, undefined, '    revocation:\n      sources: []\n') + UPSTREAM() + ROUTE(),
    at: 'sources: []',
    key: 'listeners[0].revocation.sources',
    message: 'expected at least one of ocsp | crl',
  },
  'an OCSP responder that is not an http(s) URL': {
    yaml: LISTENER(undefined, undefined, '    revocation:\n      ocsp: { responder: "ldap://ocsp.example" }\n') + UPSTREAM() + ROUTE(),
    at: 'ldap://',
    key: 'listeners[0].revocation.ocsp.responder',
    message: "expected an http:// or https:// URL, got 'ldap://ocsp.example'",
  },
  'a revocation override issuer with neither thumbprint nor subjectDN': {
    yaml: LISTENER(undefined, undefined, '    revocation:\n      overrides:\n        - issuer: {}\n          check: "off"\n') + UPSTREAM() + ROUTE(),
    at: 'issuer: {}',
    key: 'listeners[0].revocation.overrides[0].issuer',
    message: 'expected thumbprint or subjectDN of the issuing CA',
  },
  'a revocation override thumbprint of the wrong length': {
    yaml: LISTENER(undefined, undefined, '    revocation:\n      overrides:\n        - issuer: { thumbprint: short }\n          check: "off"\n') + UPSTREAM() + ROUTE(),
    at: 'thumbprint: short',
    key: 'listeners[0].revocation.overrides[0].issuer.thumbprint',
    message: "expected an x5t#S256 thumbprint (43 base64url characters), got 'short'",
  },
  'a revocation override subjectDN that is not a distinguished name': {
    yaml: LISTENER(undefined, undefined, '    revocation:\n      overrides:\n        - issuer: { subjectDN: "no equals sign" }\n          check: "off"\n') + UPSTREAM() + ROUTE(),
    at: 'no equals sign',
    key: 'listeners[0].revocation.overrides[0].issuer.subjectDN',
    message: 'expected an RFC 4514 distinguished name: ',
  },
};

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const [name, row] of Object.entries(rows)) {
  t.test(name, async (t) => {
    row.files?.(pki.dir);
    const file = write(pki.dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`, row.yaml);
    const err = await loadConfig(file, { env: row.env ?? {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err instanceof ConfigError, 'loadConfig refuses the file');
    if (!(err instanceof ConfigError)) return;
    const lines = err.message.split('\n');
    t.equal(lines.length, row.then ? 2 : 1, `exactly ${row.then ? 'the error and its consequence' : 'one error'}:\n${err.message}`);
    if (row.then) t.ok(lines[1]?.includes(`: ${row.then}`), `then: ${row.then}`);
    const message = row.message.replaceAll('DIR/', `${pki.dir}/`);
    const expected = `${file}:${lineOf(row.yaml, row.at)}:`;
    t.ok(lines[0]!.startsWith(expected), `at ${expected}: ${lines[0]}`);
    t.match(lines[0]!, new RegExp(`^${escape(file)}:\\d+:\\d+: ${escape(row.key)}: .*${escape(message)}`), `${row.key}: …${row.message}…`);
  });
}
