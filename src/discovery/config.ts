// `routes[].discovery` as the config loader validated it (src/config/discovery-config.ts).
// src/routing/config.ts carries it on the route.

export interface DiscoveryConfig {
  /** host or host:port, lower-case, that replaces the host of each endpoint in `mtls_endpoint_aliases` */
  readonly mtlsAliasHost: string;
  /** sets `tls_client_certificate_bound_access_tokens: true` (RFC 8705 section 3.3) */
  readonly boundTokens: boolean;
}
