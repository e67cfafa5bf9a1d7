// The one place that decides which client-sent request headers may reach an upstream.
// Compiled once per upstream; `apply` is on the hot path: one pass over Node's flat
// `req.rawHeaders`, a cached classification per distinct header name, no regex.
import { INFO_HEADER_NAMES } from '../wire/info-headers.js';

/** Headers the gateway always owns, whatever the upstream's config (ARCHITECTURE.md). */
const ALWAYS_OWNED_HEADERS: readonly string[] = Object.freeze([
  'client-cert',
  'client-cert-chain',
  'x-forwarded-client-cert',
  'signature',
  'signature-input',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  ...INFO_HEADER_NAMES.map((name) => name.toLowerCase()),
  // Certificate headers other proxies set and upstreams read (Keycloak's providers, Curity,
  // Authlete, Traefik, AWS ALB, Azure): stripped whatever name this upstream is configured with,
  // because a backend reading one of them must never see a client-supplied value.
  'x-client-cert',
  'x-client-cert-chain',
  'x-client-ssl-cert',
  'x-ssl-cert',
  'x-ssl-client-cert',
  'ssl-client-cert',
  'ssl-client-cert-chain',
  'x-ssl-client-verify',
  'x-ssl-client-s-dn',
  'x-forwarded-tls-client-cert',
  'x-forwarded-tls-client-cert-info',
  'x-amzn-mtls-clientcert',
  'x-amzn-mtls-clientcert-leaf',
  'x-arr-clientcert',
  'ssl-client-verify', // Keycloak's nginx provider trusts it as the verification result
  'x-client-dn',
  // Client address and original request, set by the gateway or meaningless from a client: a
  // backend trusting one of them (rate limits, audit, IP allow lists, URL rewrites, method
  // override past a route's `methods`) must never see a client-supplied value.
  'x-real-ip',
  'true-client-ip',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);

/**
 * Header families the gateway owns whatever follows the prefix: `X-SSL-Cert-Chain-0..N`
 * (Keycloak's chain headers), `SSL-Client-Cert-Chain-N`, and AWS ALB's
 * `X-Amzn-Mtls-Clientcert-Subject`, `-Issuer`, `-Serial-Number`, `-Validity`, ...
 */
const ALWAYS_OWNED_PREFIXES: readonly string[] = Object.freeze(['x-ssl-cert-chain-', 'ssl-client-cert-chain-', 'x-amzn-mtls-clientcert-']);

/**
 * Hop-by-hop headers (RFC 9110 section 7.6.1) plus what a proxy consumes itself:
 * `proxy-authorization` is addressed to the gateway, `expect` is answered by the gateway
 * (undici refuses to send it), `proxy-connection` is the pre-standard `connection`.
 */
const HOP_BY_HOP_HEADERS: readonly string[] = Object.freeze([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'expect',
]);

export interface SanitizeResult {
  /** Flat `[name, value, ...]` list to forward, original case and order. */
  readonly headers: string[];
  /** Owned headers the client tried to send, as it spelled them; undefined when none. */
  readonly stripped: string[] | undefined;
  /** The first `Host` value (or HTTP/2 `:authority`), removed from `headers`. */
  readonly host: string | undefined;
}

export interface Sanitizer {
  /** Normalised (lower-case, `_` read as `-`) names this upstream's gateway owns. */
  readonly owned: ReadonlySet<string>;
  apply(rawHeaders: readonly string[]): SanitizeResult;
}

export interface SanitizerOptions {
  /**
   * Upstream-specific owned headers: the configured certificate and chain headers and the
   * upstream-auth header when the gateway sets one. The always-owned ones are added here.
   */
  readonly ownedHeaders: readonly string[];
  /**
   * Headers the gateway replaces with its own value on every request (the listeners' request-ID
   * headers): the client's copy is removed like an owned one, but not reported as spoofed,
   * because sending one is ordinary client behaviour, not an attempt to forge a claim.
   */
  readonly replacedHeaders?: readonly string[];
}

// Classification of one header name.
const PASS = 0;
const OWNED = 1;
const DROP = 2; // hop-by-hop or pseudo-header: removed silently
const HOST = 3;
const CONNECTION = 4;
const AUTHORITY = 5; // HTTP/2 `:authority`, a fallback for Host
type Kind = typeof PASS | typeof OWNED | typeof DROP | typeof HOST | typeof CONNECTION | typeof AUTHORITY;

/** Distinct raw spellings remembered per sanitizer; bounded so random names cannot grow memory. */
const NAME_CACHE_LIMIT = 2048;

/** Connection options that are themselves hop-by-hop or connection-level: nothing more to remove. */
const BENIGN_CONNECTION_TOKENS: ReadonlySet<string> = new Set(['close', 'keep-alive', 'upgrade', 'te', '']);

/**
 * Names a `Connection` option may never remove: body framing. Node has already framed the
 * request body by Content-Length; dropping it would silently re-frame the forwarded body.
 */
const CONNECTION_PROTECTED: ReadonlySet<string> = new Set(['content-length']);

/** Lower-case and read `_` as `-`, the spelling CGI-style upstreams treat as identical. */
function normaliseHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.indexOf('_') === -1 ? lower : lower.replaceAll('_', '-');
}

const ALWAYS_OWNED_SET: ReadonlySet<string> = new Set(ALWAYS_OWNED_HEADERS);

/** Whether the gateway owns `name` for every upstream (config uses it to refuse such names). */
export function isAlwaysOwnedHeader(name: string): boolean {
  const normal = normaliseHeaderName(name);
  return ALWAYS_OWNED_SET.has(normal) || ALWAYS_OWNED_PREFIXES.some((prefix) => normal.startsWith(prefix));
}

/**
 * The metric label for a stripped header: its normalised name, or `<prefix>*` for a family
 * member, so that a client inventing `X-SSL-Cert-Chain-<n>` names cannot create label series
 * without bound.
 */
export function spoofedHeaderLabel(name: string): string {
  const normal = normaliseHeaderName(name);
  if (ALWAYS_OWNED_SET.has(normal)) return normal;
  for (const prefix of ALWAYS_OWNED_PREFIXES) if (normal.startsWith(prefix)) return prefix + '*';
  return normal;
}

export function compileSanitizer(opts: SanitizerOptions): Sanitizer {
  const owned = new Set<string>(ALWAYS_OWNED_HEADERS);
  for (const name of opts.ownedHeaders) {
    if (name.length > 0) owned.add(normaliseHeaderName(name));
  }
  const hopByHop = new Set<string>(HOP_BY_HOP_HEADERS);
  const replaced = new Set<string>();
  for (const name of opts.replacedHeaders ?? []) replaced.add(normaliseHeaderName(name));
  // Keyed by the raw spelling, so the common names ("Host", "User-Agent") cost one Map lookup
  // and no toLowerCase allocation per request.
  const cache = new Map<string, Kind>();

  function classifyUncached(name: string): Kind {
    if (name.charCodeAt(0) === 58 /* ':' */) return name === ':authority' ? AUTHORITY : DROP;
    const lower = name.toLowerCase();
    if (lower === 'host') return HOST;
    if (lower === 'connection') return CONNECTION;
    if (hopByHop.has(lower)) return DROP;
    const normal = lower.indexOf('_') === -1 ? lower : lower.replaceAll('_', '-');
    if (owned.has(normal)) return OWNED;
    for (const prefix of ALWAYS_OWNED_PREFIXES) if (normal.startsWith(prefix)) return OWNED;
    // `_` spellings too: a CGI-style upstream would read X_Request_Id as the gateway's header.
    if (replaced.has(normal)) return DROP;
    return PASS;
  }

  function classify(name: string): Kind {
    let kind = cache.get(name);
    if (kind === undefined) {
      kind = classifyUncached(name);
      if (cache.size < NAME_CACHE_LIMIT) cache.set(name, kind);
    }
    return kind;
  }

  function apply(raw: readonly string[]): SanitizeResult {
    const out: string[] = [];
    let stripped: string[] | undefined;
    let host: string | undefined;
    let authority: string | undefined;
    let connectionTokens: Set<string> | undefined;
    const n = raw.length - 1;
    for (let i = 0; i < n; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      switch (classify(name)) {
        case PASS:
          out.push(name, value);
          break;
        case OWNED:
          (stripped ??= []).push(name);
          break;
        case HOST:
          // First wins, as in Node's req.headers.host.
          if (host === undefined) host = value;
          break;
        case AUTHORITY:
          if (authority === undefined) authority = value;
          break;
        case CONNECTION:
          connectionTokens = collectConnectionTokens(value, connectionTokens);
          break;
        default:
          break; // DROP
      }
    }
    // Rare path: `Connection: x-foo` names headers that are hop-by-hop for this client.
    // They may precede the Connection header, hence a second pass only when needed.
    const headers = connectionTokens === undefined ? out : removeConnectionNamed(out, connectionTokens);
    return { headers, stripped, host: host ?? authority };
  }

  return { owned, apply };
}

function collectConnectionTokens(value: string, into: Set<string> | undefined): Set<string> | undefined {
  let start = 0;
  const len = value.length;
  while (start <= len) {
    let end = value.indexOf(',', start);
    if (end === -1) end = len;
    const token = value.slice(start, end).trim().toLowerCase();
    if (!BENIGN_CONNECTION_TOKENS.has(token) && !CONNECTION_PROTECTED.has(token)) {
      (into ??= new Set()).add(token);
    }
    start = end + 1;
  }
  return into;
}

/** Removal only: a Connection option can never add, rename or un-strip a header. */
function removeConnectionNamed(headers: string[], tokens: ReadonlySet<string>): string[] {
  const kept: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (!tokens.has(name.toLowerCase())) kept.push(name, headers[i + 1]!);
  }
  return kept;
}
