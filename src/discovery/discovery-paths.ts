// Which request paths serve an authorization server's metadata: OpenID Connect Discovery 1.0
// section 4 (the issuer's path, then /.well-known/openid-configuration) and RFC 8414 section 3
// (/.well-known/oauth-authorization-server, then the issuer's path). `path` is the canonical path
// (src/routing/canonical-path.ts), so an encoded or dotted variant cannot slip past or in.

const OPENID = '/.well-known/openid-configuration';
const OAUTH = '/.well-known/oauth-authorization-server';

export function isDiscoveryPath(path: string): boolean {
  if (path === OAUTH || path.endsWith(OPENID)) return true;
  return path.length > OAUTH.length + 1 && path.startsWith(OAUTH) && path.charCodeAt(OAUTH.length) === 0x2f;
}
