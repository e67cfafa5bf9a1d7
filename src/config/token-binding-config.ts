// `routes[].tokenBinding`: certificate-bound access tokens (RFC 8705 section 3) on a resource
// route. JWTs are verified against the issuer's JWKS, other tokens through RFC 7662
// introspection; src/token-binding/ runs what this reads.
import type { ConfigSection } from './config-section.js';
import { reportError } from './load-context.js';
import { isHttpUrl } from './revocation-config.js';
import { chooseUpstreamAuth } from './upstream-auth.js';
import { readBasicCredentials, readUpstreamTls } from './upstream-credentials.js';
import { JWT_ALGORITHMS, type IntrospectionConfig, type JwtVerifierConfig, type TokenBindingConfig } from '../token-binding/config.js';

const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256'];
const DEFAULT_CLOCK_SKEW = 30_000;
const MAX_CLOCK_SKEW = 300_000;
const DEFAULT_CACHE_MAX_AGE = 300_000;
const DEFAULT_CACHE_SIZE = 10_000;

export function readTokenBinding(parent: ConfigSection): TokenBindingConfig | undefined {
  const s = parent.section('tokenBinding', ['required', 'jwt', 'introspection']);
  if (!s) return undefined;
  const required = s.boolean('required') ?? true;
  const jwt = s.has('jwt') ? readJwt(s) : undefined;
  const introspection = s.has('introspection') ? readIntrospection(s, jwt) : undefined;
  if (!s.has('jwt') && !s.has('introspection')) {
    s.errorHere('expected jwt (for JWT access tokens), introspection (for opaque tokens) or both');
    return undefined;
  }
  if ((s.has('jwt') && !jwt) || (s.has('introspection') && !introspection)) return undefined;
  return { required, ...(jwt ? { jwt } : {}), ...(introspection ? { introspection } : {}) };
}

function readJwt(parent: ConfigSection): JwtVerifierConfig | undefined {
  const s = parent.section('jwt', ['issuer', 'jwksUri', 'audiences', 'algorithms', 'clockSkew']);
  if (!s) return undefined;
  const issuer = s.string('issuer', { required: true });
  const jwksUri = readUrl(s, 'jwksUri', true);
  const audiences = readAudiences(s, true);
  const algorithms = s.has('algorithms') ? readAlgorithms(s) : DEFAULT_ALGORITHMS;
  const clockSkew = s.duration('clockSkew', { min: 0 }) ?? DEFAULT_CLOCK_SKEW;
  if (clockSkew > MAX_CLOCK_SKEW) s.error('clockSkew', 'expected at most 5m: a larger skew keeps expired tokens alive');
  if (issuer === undefined || !jwksUri || !audiences || !algorithms) return undefined;
  return { issuer, jwksUri, audiences, algorithms, clockSkew };
}

function readIntrospection(parent: ConfigSection, jwt: JwtVerifierConfig | undefined): IntrospectionConfig | undefined {
  const s = parent.section('introspection', ['url', 'auth', 'issuer', 'audiences', 'cacheMaxAge', 'cacheSize']);
  if (!s) return undefined;
  const url = readUrl(s, 'url', true);
  const auth = s.section('auth', ['basic', 'tls'], { required: true });
  const basic = auth ? readBasicCredentials(auth) : undefined;
  const tls = auth?.has('tls') ? readUpstreamTls(auth, url?.protocol === 'https:') : undefined;
  // RFC 7662 section 2.1: the endpoint requires the caller to authenticate.
  if (auth && !auth.has('basic') && !(auth.has('tls') && tls?.cert)) auth.errorHere('expected basic or tls (with cert and key): how the gateway authenticates to the endpoint');
  const issuer = s.string('issuer') ?? jwt?.issuer;
  const audiences = s.has('audiences') ? readAudiences(s, false) : jwt?.audiences;
  const cacheMaxAge = s.duration('cacheMaxAge', { min: 1 }) ?? DEFAULT_CACHE_MAX_AGE;
  const cacheSize = s.integer('cacheSize', { min: 1, max: 1_000_000 }) ?? DEFAULT_CACHE_SIZE;
  if (!url || !auth || (auth.has('basic') && !basic?.basic) || (auth.has('tls') && !tls)) return undefined;
  return {
    url,
    ...(tls ? { tls } : {}),
    authentication: chooseUpstreamAuth(tls, basic),
    ...(issuer !== undefined ? { issuer } : {}),
    ...(audiences ? { audiences } : {}),
    cacheMaxAge,
    cacheSize,
  };
}

function readUrl(s: ConfigSection, key: string, required: boolean): URL | undefined {
  const text = s.string(key, { required });
  if (text === undefined) return undefined;
  if (!isHttpUrl(text)) {
    s.error(key, `expected an http:// or https:// URL, got '${text}'`);
    return undefined;
  }
  const url = new URL(text);
  if (url.username || url.password) {
    // Never echo the credentials.
    s.error(key, 'credentials in the URL are not allowed (use auth.basic)');
    return undefined;
  }
  return url;
}

function readAudiences(s: ConfigSection, required: boolean): string[] | undefined {
  const items = s.stringList('audiences', { required });
  if (!items) return undefined;
  if (items.length === 0) {
    s.error('audiences', 'expected at least one audience');
    return undefined;
  }
  return items.map((i) => i.value);
}

function readAlgorithms(s: ConfigSection): string[] | undefined {
  const items = s.stringList('algorithms');
  if (!items) return undefined;
  let ok = items.length > 0;
  if (!ok) s.error('algorithms', 'expected at least one algorithm');
  for (const item of items) {
    if (!(JWT_ALGORITHMS as readonly string[]).includes(item.value)) {
      ok = false;
      reportError(s.ctx, item.node, item.path, `expected an asymmetric JWS algorithm (${JWT_ALGORITHMS.join(', ')}), got '${item.value}'`);
    }
  }
  return ok ? items.map((i) => i.value) : undefined;
}
