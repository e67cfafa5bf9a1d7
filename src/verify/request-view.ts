// A request as the verifier sees it: derived components (RFC 9421 section 2.2) read from the
// method and URL exactly as received (no URL normalisation, which would change what was signed),
// and fields looked up case-insensitively from a Node header object or a fetch Headers.
import { CertgateVerifyError } from './errors.js';

export type HeaderInput = Record<string, string | string[] | undefined> | Headers;

export interface RequestInput {
  readonly method: string;
  /** Origin form (`/path?query`) or absolute form (`https://host/path?query`). */
  readonly url: string;
  /** Defaults to the authority of an absolute URL, then the Host header. */
  readonly authority?: string;
  readonly headers: HeaderInput;
}

export interface RequestView {
  readonly method: string;
  readonly authority: string | undefined;
  readonly path: string;
  /** With the leading `?`; undefined when the target has none. */
  readonly query: string | undefined;
  /** Field lines by lower-cased name. */
  readonly fields: ReadonlyMap<string, readonly string[]>;
}

export function requestView(req: RequestInput): RequestView {
  if (typeof req.method !== 'string' || typeof req.url !== 'string') {
    throw new CertgateVerifyError('ERR_MALFORMED', 'request needs a method and a url');
  }
  const fields = collectFields(req.headers);
  const target = splitTarget(req.url);
  const authority = req.authority ?? target.authority ?? fields.get(':authority')?.[0] ?? fields.get('host')?.[0];
  return {
    method: req.method,
    authority: authority === undefined ? undefined : authority.toLowerCase(),
    path: target.path,
    query: target.query,
    fields,
  };
}

function collectFields(headers: HeaderInput): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    const key = name.toLowerCase();
    const lines = fields.get(key);
    if (lines) lines.push(value);
    else fields.set(key, [value]);
  };
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    // fetch Headers already joins repeated fields with ", " (Set-Cookie aside, irrelevant here).
    (headers as Headers).forEach((value, name) => add(name, value));
  } else {
    for (const [name, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) add(name, v);
      else add(name, value);
    }
  }
  return fields;
}

/** Path, query and (absolute form only) authority of a request target, byte for byte. */
export function splitTarget(url: string): { path: string; query: string | undefined; authority?: string } {
  let rest = url;
  let authority: string | undefined;
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    const end = rest.search(/[/?#]/);
    const hostPart = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? '' : rest.slice(end);
    authority = withoutDefaultPort(scheme[0].slice(0, -3).toLowerCase(), hostPart.replace(/^.*@/, ''));
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? undefined : rest.slice(q);
  // RFC 9421 2.2.6: an empty path is "/".
  return { path: path === '' ? '/' : path, query, ...(authority === undefined ? {} : { authority }) };
}

// RFC 9421 2.2.3: @authority omits the scheme's default port.
function withoutDefaultPort(scheme: string, host: string): string {
  if ((scheme === 'https' && host.endsWith(':443')) || (scheme === 'http' && host.endsWith(':80'))) {
    return host.slice(0, host.lastIndexOf(':'));
  }
  return host;
}
