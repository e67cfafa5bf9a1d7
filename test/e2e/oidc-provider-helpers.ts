// A real authorization server behind certgate: oidc-provider with RFC 8705 (tls_client_auth,
// self_signed_tls_client_auth, certificate-bound tokens) whose only view of the client certificate
// is what `certgate/verify` accepts, given the raw body (Content-Digest) and a replay cache (nonce).
// Plus an openid-client v6 client that speaks mTLS.
// Imports the built package (`certgate/verify` -> dist/): run `npm run build` first (npm test does).
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
// oidc-provider 9 ships no type declarations (and @types/oidc-provider is not a dependency).
// @ts-expect-error untyped module
import UntypedProvider from 'oidc-provider';
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { CertgateVerifyError, createReplayCache, verifyForwardedRequest } from 'certgate/verify';
import type { ForwardedIdentity, ReplayCache, VerifyOptions } from 'certgate/verify';

/** The part of oidc-provider's API these helpers use. */
interface OidcProvider {
  proxy: boolean;
  use(middleware: (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>): void;
  callback(): (req: IncomingMessage, res: import('node:http').ServerResponse) => void;
  listen(port: number, host: string): import('node:http').Server;
}
const Provider = UntypedProvider as new (issuer: string, configuration: object) => OidcProvider;

/** The part of oidc-provider's Koa context the hooks below read. */
interface KoaContextWithOIDC {
  readonly method: string;
  readonly originalUrl: string;
  readonly req: IncomingMessage;
}

/** Client metadata as registered (RFC 7591 names: token_endpoint_auth_method, jwks, ...). */
export type ClientMetadata = Record<string, unknown>;

export interface OidcProviderOptions {
  /** The URL clients use: the gateway's public origin (e.g. https://localhost:8443). */
  readonly issuer: string;
  /** How to verify what certgate forwards (keys from `certgate keys`, maxAge, header format). */
  readonly verify: Omit<VerifyOptions, 'now' | 'body' | 'replay' | 'requireBodyCoverage'>;
  readonly clients: ClientMetadata[];
  /** A server already listening (the test bound it on port 0 and read its port back); default: a new one on port 0. */
  readonly server?: import('node:http').Server;
  /** Resource (audience) of the JWT access tokens. */
  readonly resource?: string;
  /** Resource indicators whose access tokens are opaque (introspected) instead of JWT. */
  readonly opaqueResources?: readonly string[];
  /** Client IDs whose access tokens live 2 s (to see one expire). */
  readonly shortLivedClients?: readonly string[];
  /** Default: tls_client_auth and self_signed_tls_client_auth. */
  readonly clientAuthMethods?: readonly string[];
  /** Sees every request as it reached the AS, with its raw body, before oidc-provider handles it. */
  readonly onRequest?: (req: IncomingMessage, body: Buffer) => void;
}

export interface RunningProvider {
  /** The oidc-provider instance. */
  readonly provider: OidcProvider;
  /** http://127.0.0.1:<port>: the upstream URL for certgate's config. */
  readonly url: string;
  /** Every refusal of the verifier, in order: lets a test prove *why* a request failed. */
  readonly refusals: CertgateVerifyError[];
  close(): Promise<void>;
}

export async function startOidcProvider(opts: OidcProviderOptions): Promise<RunningProvider> {
  const refusals: CertgateVerifyError[] = [];
  // getCertificate, certificateAuthorized and certificateSubjectMatches all ask for the same
  // request: verify once per request.
  const seen = new WeakMap<IncomingMessage, ForwardedIdentity | null>();
  // The body bytes as they arrived, read before oidc-provider parses them (it then takes req.body).
  const bodies = new WeakMap<IncomingMessage, Buffer>();
  // One process: the in-memory cache; replicas would share a ReplayStore (README).
  const replay = createReplayCache({ ttl: opts.verify.maxAge + (opts.verify.clockSkew ?? 5) });
  const forwarded = (ctx: KoaContextWithOIDC): ForwardedIdentity | undefined => {
    let id = seen.get(ctx.req);
    if (id === undefined) {
      id = verifyOrNull(ctx, opts.verify, bodies.get(ctx.req) ?? Buffer.alloc(0), replay, refusals);
      seen.set(ctx.req, id);
    }
    return id ?? undefined;
  };
  const resource = opts.resource ?? 'urn:certgate:e2e:api';
  const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'as-1', alg: 'ES256' };

  const provider = new Provider(opts.issuer, {
    clients: opts.clients,
    jwks: { keys: [signingKey] },
    // The only signing key is ES256; the RS256 default would invalidate every client.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    // Enabling features.mTLS is not enough: the methods must also be listed here.
    clientAuthMethods: opts.clientAuthMethods ?? ['tls_client_auth', 'self_signed_tls_client_auth'],
    scopes: ['api'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      // JWT access tokens, so a test can read cnf.x5t#S256 without another round trip.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string, client: { clientId: string }) => ({
          scope: 'api',
          audience: indicator,
          accessTokenFormat: opts.opaqueResources?.includes(indicator) ? 'opaque' : 'jwt',
          ...(opts.shortLivedClients?.includes(client.clientId) ? { accessTokenTTL: 2 } : {}),
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
      mTLS: {
        enabled: true,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        certificateBoundAccessTokens: true,
        // PEM of the certificate certgate vouched for; undefined when the verifier refuses, so a
        // forged or unsigned header is "no certificate" (invalid_client), never a certificate.
        getCertificate: (ctx: KoaContextWithOIDC) => forwarded(ctx)?.certificate?.pem,
        // The gateway validated the chain; X-Client-Verify (covered by the signature) says so.
        certificateAuthorized: (ctx: KoaContextWithOIDC) => forwarded(ctx)?.verify === 'SUCCESS',
        certificateSubjectMatches: (ctx: KoaContextWithOIDC, property: string, expected: string) => subjectMatches(forwarded(ctx), property, expected),
      },
    },
  });
  // certgate sets X-Forwarded-Proto/-Host itself (never appends the client's): trust them.
  provider.proxy = true;
  const onRequest = opts.onRequest;
  // Koa composes middleware when listen() is called: add it now or never.
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    bodies.set(ctx.req, body);
    // oidc-provider's body parser uses req.body when the stream was already read.
    (ctx.req as IncomingMessage & { body?: Buffer }).body = body;
    onRequest?.(ctx.req, body);
    await next();
  });

  let server: import('node:http').Server;
  if (opts.server) {
    // Already listening (bound on port 0 by the test): serve the provider on it.
    server = opts.server;
    server.on('request', provider.callback());
  } else {
    server = provider.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  }
  const { port } = server.address() as AddressInfo;
  return {
    provider,
    url: `http://127.0.0.1:${port}`,
    refusals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function verifyOrNull(
  ctx: KoaContextWithOIDC,
  verify: OidcProviderOptions['verify'],
  body: Buffer,
  replay: ReplayCache,
  refusals: CertgateVerifyError[],
): ForwardedIdentity | null {
  try {
    // originalUrl: koa-mount and oidc-provider rewrite ctx.url, but certgate signed the original.
    return verifyForwardedRequest({ method: ctx.method, url: ctx.originalUrl, headers: ctx.req.headers }, { ...verify, body, requireBodyCoverage: true, replay });
  } catch (err) {
    if (!(err instanceof CertgateVerifyError)) throw err;
    refusals.push(err);
    return null;
  }
}

/** RFC 8705 section 2.1.2: the registered subject DN or SAN against the forwarded certificate. */
function subjectMatches(id: ForwardedIdentity | undefined, property: string, expected: string): boolean {
  if (!id?.certificate) return false;
  const x509 = new X509Certificate(id.certificate.der);
  switch (property) {
    case 'tls_client_auth_subject_dn':
      return normaliseDn(id.subjectDN ?? opensslSubjectToRfc4514(x509.subject)) === normaliseDn(expected);
    case 'tls_client_auth_san_dns':
      return sans(x509, 'DNS').some((v) => v.toLowerCase() === expected.toLowerCase());
    case 'tls_client_auth_san_uri':
      return sans(x509, 'URI').includes(expected);
    case 'tls_client_auth_san_ip':
      return sans(x509, 'IP Address').includes(expected);
    case 'tls_client_auth_san_email':
      return sans(x509, 'email').includes(expected);
    default:
      return false;
  }
}

function sans(x509: X509Certificate, kind: string): string[] {
  return (x509.subjectAltName ?? '')
    .split(', ')
    .filter((e) => e.startsWith(`${kind}:`))
    .map((e) => e.slice(kind.length + 1));
}

// Good enough for test certificates: attribute types case-insensitive, values compared
// case-insensitively (caseIgnoreMatch, RFC 4517), spaces around separators ignored.
function normaliseDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq).trim().toLowerCase()}=${rdn
        .slice(eq + 1)
        .trim()
        .toLowerCase()}`;
    })
    .join(',');
}

// Node prints the subject most-significant first, one attribute per line; RFC 4514 is reversed.
function opensslSubjectToRfc4514(subject: string): string {
  return subject.split('\n').reverse().join(',');
}

/** A self-signed client's JWK for `self_signed_tls_client_auth` registration (x5c = its cert). */
export function selfSignedClientJwk(certPem: string): Record<string, unknown> {
  const x509 = new X509Certificate(certPem);
  return { ...x509.publicKey.export({ format: 'jwk' }), x5c: [x509.raw.toString('base64')], use: 'sig' };
}

export interface MtlsClient {
  readonly config: client.Configuration;
  close(): Promise<void>;
}

/**
 * An openid-client v6 Configuration that authenticates with its TLS client certificate
 * (tls_client_auth and self_signed_tls_client_auth look the same on the wire: client_id in the
 * body, the certificate in the handshake). Every request, discovery included, goes through an
 * undici Agent holding the certificate, because certgate terminates TLS for all endpoints; no
 * mtls_endpoint_aliases are needed unless the deployment splits mTLS and non-mTLS hosts.
 */
export async function mtlsClient(opts: {
  issuer: URL;
  clientId: string;
  cert: string;
  key: string;
  /** CA of the gateway's server certificate. */
  ca: string;
  useMtlsEndpointAliases?: boolean;
  /** Name resolution for the client's connections (a test's alias host names resolve to loopback). */
  lookup?: import('node:net').LookupFunction;
}): Promise<MtlsClient> {
  const agent = new Agent({ connect: { cert: opts.cert, key: opts.key, ca: opts.ca, ...(opts.lookup ? { lookup: opts.lookup } : {}) } });
  const fetchWithCert = ((url: string, init: Parameters<typeof undiciFetch>[1]) => undiciFetch(url, { ...init, dispatcher: agent })) as unknown as client.CustomFetch;
  const config = await client.discovery(opts.issuer, opts.clientId, { use_mtls_endpoint_aliases: opts.useMtlsEndpointAliases ?? false }, client.TlsClientAuth(), {
    [client.customFetch]: fetchWithCert,
  });
  // Discovery options do not carry over to later requests: set it on the Configuration too.
  config[client.customFetch] = fetchWithCert;
  return { config, close: () => agent.close() };
}

/** client_credentials grant; returns the token response (JWT access token, see resourceIndicators). */
export async function clientCredentials(c: MtlsClient, scope = 'api'): Promise<client.TokenEndpointResponse> {
  return client.clientCredentialsGrant(c.config, { scope });
}

/** The access token's claims (the test trusts the AS; it only reads cnf). */
export function jwtClaims(token: string): Record<string, unknown> & { cnf?: { 'x5t#S256'?: string } } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown> & { cnf?: { 'x5t#S256'?: string } };
}
