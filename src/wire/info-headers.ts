// The info headers certgate sends beside the certificate (`clientCert.infoHeaders`), named once:
// the gateway sets them and strips client copies, config refuses them as configured names, and
// `certgate/verify` reads them and requires the signature to cover them.

/** As the gateway writes them (HTTP names are case-insensitive). */
export const INFO_HEADER = Object.freeze({
  /** `SUCCESS`, `NONE` or `FAILED:<reason>`, as nginx's $ssl_client_verify. */
  verify: 'X-Client-Verify',
  /** RFC 4514 subject DN in visible ASCII. */
  subjectDN: 'X-Client-Subject-DN',
  /** x5t#S256 of the client certificate (RFC 8705 section 3.1). */
  thumbprint: 'X-Client-Cert-Thumbprint',
} as const);

/** Every info header name, in the order the gateway adds them. */
export const INFO_HEADER_NAMES: readonly string[] = Object.freeze(Object.values(INFO_HEADER));
