// The rewrite of one metadata document (RFC 8414 section 2, RFC 8705 section 5): pure, on bytes.
// `mtls_endpoint_aliases` is set to the endpoints the document names, each with its host replaced
// by the alias host, so clients with a certificate go to the host that asks for one and browsers
// on the main host never see a certificate prompt.
import type { DiscoveryConfig } from './config.js';

/** The endpoints RFC 8705 section 5 lets a client reach over mTLS, in the order they are written. */
const ALIASED_ENDPOINTS = [
  'token_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'device_authorization_endpoint',
  'pushed_authorization_request_endpoint',
  'userinfo_endpoint',
  'registration_endpoint',
] as const;

export type RewriteRefusal = 'invalid-json' | 'not-object' | 'too-deep';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The rewritten document, or why it was left alone. Never throws, whatever the bytes. */
export function rewriteDiscoveryDocument(body: Uint8Array, config: DiscoveryConfig): Buffer | RewriteRefusal {
  let doc: unknown;
  try {
    // fatal: invalid UTF-8 is refused, not turned into U+FFFD and served as if the AS wrote it
    doc = JSON.parse(UTF8.decode(body));
  } catch {
    return 'invalid-json';
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not-object';
  const record = doc as Record<string, unknown>;
  const aliases: Record<string, string> = {};
  for (const name of ALIASED_ENDPOINTS) {
    const value = record[name];
    if (typeof value !== 'string') continue;
    const alias = aliasUrl(value, config.mtlsAliasHost);
    if (alias !== undefined) aliases[name] = alias;
  }
  record['mtls_endpoint_aliases'] = aliases;
  if (config.boundTokens) record['tls_client_certificate_bound_access_tokens'] = true;
  try {
    return Buffer.from(JSON.stringify(record), 'utf8');
  } catch {
    // V8 parses any depth but serialises recursively: deep nesting overflows the stack.
    return 'too-deep';
  }
}

/** `endpoint` with its host replaced; its port kept unless `aliasHost` names one. Not http(s): none. */
function aliasUrl(endpoint: string, aliasHost: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (aliasHost.includes(':')) url.host = aliasHost;
  else url.hostname = aliasHost;
  return url.href;
}
