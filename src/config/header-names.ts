// Names of headers the gateway sets towards an upstream. They are kept as configured (HTTP names
// are case-insensitive) but must be RFC 9110 tokens, and never hop-by-hop headers (a proxy on the
// way would drop them) or framing headers (setting them would corrupt the request).
import { INFO_HEADER_NAMES } from '../wire/info-headers.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/** Why `name` cannot be a header the gateway sets, or undefined when it can. */
export function headerNameProblem(name: string): string | undefined {
  if (!TOKEN.test(name)) return `'${name}' is not a valid header name (RFC 9110 token)`;
  if (FORBIDDEN.has(name.toLowerCase())) return `'${name}' is a hop-by-hop or framing header and cannot carry gateway data`;
  return undefined;
}

export function isHttpToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Headers the gateway always sets itself; a configured header must not collide with them. */
export const GATEWAY_FIXED_HEADERS: readonly string[] = [
  ...INFO_HEADER_NAMES,
  'X-Forwarded-For',
  'X-Forwarded-Proto',
  'X-Forwarded-Host',
  'X-Real-IP',
  'Signature',
  'Signature-Input',
];
