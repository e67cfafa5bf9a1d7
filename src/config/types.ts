// Typed, validated, frozen configuration. Produced once by src/config/load-config.ts; no other
// module sees raw YAML. Durations are milliseconds; files are already read and parsed.
import type { X509Certificate } from 'node:crypto';
import type { BlockList } from 'node:net';
import type { CertHeaderFormat } from '../wire/header-codecs.js';
import type { UpstreamAuth } from './upstream-auth.js';
import type { Milliseconds } from './units.js';
import type { RevocationConfig } from '../revocation/config.js';
import type { LoggingConfig } from '../observability/config.js';
import type { RouteConfig } from '../routing/config.js';
import type { SignatureConfig } from '../signing/config.js';
import type { ServerCertificate } from './server-certificates.js';

// Module config types live beside their modules; assembled here so importers need only this file.
export type { Milliseconds } from './units.js';
export type { AllowRules } from '../policy/config.js';
export type { LogLevel, LoggingConfig } from '../observability/config.js';
export type { RouteConfig, RouteMatch } from '../routing/config.js';
export type { PublishedKey, SignatureConfig } from '../signing/config.js';
export type { CrlFile, OcspConfig, RevocationCheck, RevocationConfig, RevocationOverride, RevocationSourceName } from '../revocation/config.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A PEM file read at load time: its text and the certificates it holds, in file order. */
export interface CertificateFile {
  readonly path: string;
  readonly pem: string;
  readonly certificates: readonly X509Certificate[];
}

export interface AdminConfig {
  readonly listen: HostPort;
}

export type ClientAuthMode = 'require' | 'optional' | 'optional_no_ca' | 'off';

export interface ClientAuthConfig {
  readonly mode: ClientAuthMode;
  /** Trust anchors (and intermediates the gateway may use to build chains). */
  readonly trustedCAs: readonly CertificateFile[];
  /** nginx/OpenSSL meaning: the number of CA certificates allowed above the leaf (1 = leaf issued directly by a trusted CA). */
  readonly verifyDepth: number;
  /** Fail the TLS handshake itself instead of answering with an HTTP error. */
  readonly rejectAtHandshake: boolean;
  /** Which client keys are accepted (src/config/key-policy.ts); enforced in every mode but off. */
  readonly keyPolicy: ClientKeyPolicy;
}

export interface ClientKeyPolicy {
  /** Smallest RSA (and RSA-PSS) modulus, in bits. */
  readonly rsaMinBits: number;
  /** Smallest DSA modulus, in bits; false refuses DSA keys. */
  readonly dsaMinBits: number | false;
  /** Allowed named curves, by the names in src/x509/public-key.ts EC_CURVE_NAMES (P-256, ...). */
  readonly ecCurves: readonly string[];
  readonly ed25519: boolean;
  readonly ed448: boolean;
}

export interface ListenerTlsConfig {
  /** The default certificate (the first configured). */
  readonly cert: CertificateFile;
  readonly keyPem: string;
  readonly keyPath: string;
  /** Further certificates of other key types (`cert`/`key` lists: an RSA and an ECDSA one); OpenSSL picks per client. */
  readonly alternates?: readonly ServerCertificate[];
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  /** Session ticket / session lifetime in seconds (Node's sessionTimeout). */
  readonly sessionTimeout: number;
}

/** `listeners[].limits`; durations in milliseconds, sizes in bytes (defaults in listener-limits.ts). */
export interface ListenerLimits {
  /** From TCP accept to a completed TLS handshake. */
  readonly handshakeTimeout: Milliseconds;
  /** To receive a whole request head. */
  readonly headerTimeout: Milliseconds;
  /** Longest pause between two request body chunks. */
  readonly bodyIdleTimeout: Milliseconds;
  /** Whole request, head and body, received from the client. */
  readonly requestTimeout: Milliseconds;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeout: Milliseconds;
  /** Client connections open at once on this listener; past it new ones are closed. */
  readonly maxConnections: number;
  /** Request header fields; past it 431. */
  readonly maxHeaderCount: number;
  /** Request head bytes; past it 431. */
  readonly maxHeaderSize: number;
  /** Pipelined requests queued behind the one being forwarded, per connection. */
  readonly pipelineDepth: number;
  /** Request body bytes buffered before an upstream connection is taken. */
  readonly bodyBuffer: number;
}

/** `listeners[].paths` (defaults in path-rules.ts). */
export type PathParameters = 'reject' | 'allow';

export interface PathRules {
  /** `;` path parameters: refused (400) or kept in the canonical path. */
  readonly parameters: PathParameters;
}

export interface ListenerConfig {
  readonly name: string;
  readonly listen: HostPort;
  readonly tls: ListenerTlsConfig;
  readonly clientAuth: ClientAuthConfig;
  readonly revocation: RevocationConfig;
  readonly limits: ListenerLimits;
  readonly paths: PathRules;
  readonly requestId: RequestIdConfig;
  /** `proxyProtocol`, absent when the listener reads no PROXY header (src/tls/proxy-protocol-reader.ts). */
  readonly proxyProtocol?: ProxyProtocolConfig;
  /** `hosts`, absent when the listener has only its own (default) host (src/tls/sni-dispatch.ts). */
  readonly hosts?: readonly VirtualHostConfig[];
}

/** `listeners[].hosts[]`: a virtual host chosen by the ClientHello's SNI; the listener's own tls/clientAuth/revocation are the default host. */
export interface VirtualHostConfig {
  /** Lower-cased, unique across the listener's hosts; `*.example.com` matches one more label. */
  readonly serverNames: readonly string[];
  readonly tls: ListenerTlsConfig;
  readonly clientAuth: ClientAuthConfig;
  readonly revocation: RevocationConfig;
}

/** `listeners[].requestId` (defaults in request-id-config.ts). */
export interface RequestIdConfig {
  /** The header that carries the ID upstream, back to the client, and (when trusted) from it. */
  readonly header: string;
  /** Take a well-formed ID from the client's header instead of generating one. */
  readonly trustIncoming: boolean;
}

/** `listeners[].proxyProtocol` (src/config/proxy-protocol-config.ts). */
export interface ProxyProtocolConfig {
  readonly accept: 'v1' | 'v2' | 'any';
  /** The `from` CIDRs as written, for messages. */
  readonly from: readonly string[];
  /** The peers allowed to send a header, compiled from `from`. */
  readonly trustedSources: BlockList;
  readonly required: boolean;
  /** For the whole header to arrive. */
  readonly timeout: Milliseconds;
}

/** Owned by src/wire/ (shared with `certgate/verify`). */
export type { CertHeaderFormat } from '../wire/header-codecs.js';

export interface ClientCertForwardConfig {
  readonly header: string;
  readonly format: CertHeaderFormat;
  readonly chainHeader?: string;
  /** Send X-Client-Verify, X-Client-Subject-DN, X-Client-Cert-Thumbprint. */
  readonly infoHeaders: boolean;
}

export interface BasicAuthConfig {
  readonly username: string;
  /** Never logged. */
  readonly password: string;
  readonly header: string;
  /** Precomputed `Basic base64(user:pass)`. */
  readonly headerValue: string;
}

export type { SignatureAlg } from '../wire/signature-algorithms.js';

export interface UpstreamTlsConfig {
  readonly ca?: CertificateFile;
  readonly cert?: CertificateFile;
  readonly keyPem?: string;
  readonly servername?: string;
}

export interface UpstreamConfig {
  readonly name: string;
  /** origin only, e.g. https://idp.internal:8443 */
  readonly url: URL;
  readonly tls?: UpstreamTlsConfig;
  readonly auth?: { readonly basic?: BasicAuthConfig };
  /** How the gateway authenticates itself here (from `tls.cert` and `auth`), chosen at load. */
  readonly authentication: readonly UpstreamAuth[];
  readonly clientCert: ClientCertForwardConfig;
  readonly signature?: SignatureConfig;
  readonly timeouts: {
    readonly connect: Milliseconds;
    readonly response: Milliseconds;
    readonly idle: Milliseconds;
  };
  /** connections: sockets at most; queue: requests that may wait for one (past it, 503 UPSTREAM_BUSY) */
  readonly pool: { readonly connections: number; readonly queue: number };
  /** Largest request header block the upstream accepts (bytes); used for a config-time warning. */
  readonly maxHeaderSize: number;
  /** Extra client header names removed before forwarding (`upstreams.<name>.stripHeaders`). */
  readonly stripHeaders: readonly string[];
}

export interface GatewayConfig {
  /** Absolute path of the config file ('<embedded>' for built-in defaults). */
  readonly source: string;
  readonly workers: number | 'auto';
  readonly admin?: AdminConfig;
  readonly logging: LoggingConfig;
  readonly listeners: readonly ListenerConfig[];
  readonly upstreams: ReadonlyMap<string, UpstreamConfig>;
  readonly routes: readonly RouteConfig[];
  /** Non-fatal findings (e.g. header set larger than an upstream accepts). */
  readonly warnings: readonly ConfigIssue[];
  /** `pidFile`: absolute path the supervisor writes its pid to. */
  readonly pidFile?: string;
  readonly reload: ReloadConfig;
  readonly shutdown: ShutdownConfig;
  /** Every file the config names and was read (config file excluded), for the reload watch. */
  readonly files: readonly ConfigFileRead[];
}

/** `reload` (src/config/operations-config.ts). */
export interface ReloadConfig {
  /** Reload when the config file or a file it names changes. */
  readonly watch: boolean;
  /** Quiet time after the last change before reloading. */
  readonly debounce: Milliseconds;
}

/** `shutdown` (src/config/operations-config.ts). */
export interface ShutdownConfig {
  /** After SIGTERM, keep accepting this long (/readyz already 503) before draining. */
  readonly delay: Milliseconds;
  /** Longest drain; connections still open then are cut. */
  readonly drainTimeout: Milliseconds;
}

export interface ConfigFileRead {
  readonly path: string;
  /** false for files with their own refresh (CRLs). */
  readonly watch: boolean;
}

export interface ConfigIssue {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Dotted key path, e.g. listeners[0].clientAuth.mode */
  readonly key: string;
  readonly message: string;
}
