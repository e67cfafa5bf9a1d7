// How the gateway authenticates itself to an upstream, as strategies: each method yields the
// header it adds to every request and the TLS options it adds to the upstream connection (either
// may be absent). They are chosen here when the config loads; the forward path only asks them,
// so a new method is one more implementation, not another branch at request time.
import type { BasicAuthConfig, UpstreamTlsConfig } from './types.js';

export interface UpstreamAuth {
  readonly method: 'client-certificate' | 'basic';
  /** [name, value] the gateway sets on every request to the upstream. */
  readonly header: readonly [string, string] | undefined;
  /** What this method adds to the upstream TLS options (node:tls `cert` and `key`). */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
}

/** `tls.cert` + `tls.key`: the gateway's own client certificate, presented in the TLS handshake. */
export function clientCertificateAuth(certPem: string, keyPem: string): UpstreamAuth {
  return { method: 'client-certificate', header: undefined, tls: { cert: certPem, key: keyPem } };
}

/** `auth.basic`: HTTP Basic (RFC 7617) in the configured header. */
export function basicAuth(basic: BasicAuthConfig): UpstreamAuth {
  return { method: 'basic', header: [basic.header, basic.headerValue], tls: undefined };
}

/** The methods an upstream's config asks for; none, one or both. */
export function chooseUpstreamAuth(tls: UpstreamTlsConfig | undefined, auth: { readonly basic?: BasicAuthConfig } | undefined): readonly UpstreamAuth[] {
  const methods: UpstreamAuth[] = [];
  if (tls?.cert && tls.keyPem) methods.push(clientCertificateAuth(tls.cert.pem, tls.keyPem));
  if (auth?.basic) methods.push(basicAuth(auth.basic));
  return methods;
}
