// `upstreams.<name>`: where requests go and what the gateway adds to them.
import { ConfigSection } from './config-section.js';
import { GATEWAY_FIXED_HEADERS, headerNameProblem } from './header-names.js';
import { childKey, type LoadContext, type YamlValue } from './load-context.js';
import { NAME_EXPECTED, NAME_PATTERN } from './listener-config.js';
import { loadSignatureKey } from './signature-key.js';
import { readPublishKeys } from './publish-keys.js';
import type { ClientCertForwardConfig, SignatureConfig, UpstreamConfig } from './types.js';
import { chooseUpstreamAuth } from './upstream-auth.js';
import { readBasicAuth, readUpstreamTls } from './upstream-credentials.js';
import { readStripHeaders } from './strip-headers.js';
import { CERT_HEADER_FORMATS } from '../wire/header-codecs.js';
import { SIGNATURE_ALGS } from '../wire/signature-algorithms.js';
import { LARGE_BODIES } from '../signing/config.js';

const DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
/** `expires` = created + 30 s: a captured request is worth little after that (issue 14). */
const DEFAULT_EXPIRES_MS = 30_000;
/** Token, PAR and introspection bodies are a few hundred bytes; 64 KiB is nginx's default buffer. */
const DEFAULT_DIGEST_MAX_BODY = 64 * 1024;

export function readUpstreams(ctx: LoadContext, node: YamlValue, path: string): Map<string, UpstreamConfig> | undefined {
  const out = new Map<string, UpstreamConfig>();
  // The allowed keys are the names themselves, so open with none and read the pairs directly.
  const s = ConfigSection.openNamed(ctx, node, path);
  if (!s) return undefined;
  for (const name of s.keys()) {
    if (!NAME_PATTERN.test(name)) s.error(name, `upstream name: expected ${NAME_EXPECTED}, got '${name}'`);
    const u = readUpstream(ctx, s.value(name), childKey(path, name), name);
    if (u) out.set(name, u);
  }
  return out;
}

function readUpstream(ctx: LoadContext, node: YamlValue, path: string, name: string): UpstreamConfig | undefined {
  const s = ConfigSection.open(ctx, node, path, ['url', 'tls', 'auth', 'clientCert', 'signature', 'timeouts', 'pool', 'maxHeaderSize', 'stripHeaders']);
  if (!s) return undefined;
  const url = readOrigin(s);
  const tls = s.has('tls') ? readUpstreamTls(s, url?.protocol === 'https:') : undefined;
  const auth = s.has('auth') ? readBasicAuth(s) : undefined;
  const clientCert = readClientCertForward(s);
  const signature = s.has('signature') ? readSignature(s) : undefined;
  const t = s.section('timeouts', ['connect', 'response', 'idle']);
  const timeouts = { connect: t?.duration('connect') ?? 5_000, response: t?.duration('response') ?? 30_000, idle: t?.duration('idle') ?? 60_000 };
  const pool = s.section('pool', ['connections', 'queue']);
  const connections = pool?.integer('connections', { min: 1, max: 65535 }) ?? 128;
  const queue = pool?.integer('queue', { min: 0, max: 1_000_000 }) ?? 1024;
  const maxHeaderSize = s.size('maxHeaderSize') ?? DEFAULT_MAX_HEADER_SIZE;
  const stripHeaders = readStripHeaders(s);
  if (!url || !clientCert || !stripHeaders) return undefined;
  checkHeaderCollisions(s, clientCert, auth?.basic?.header);
  return {
    name,
    url,
    ...(tls ? { tls } : {}),
    ...(auth ? { auth } : {}),
    authentication: chooseUpstreamAuth(tls, auth),
    clientCert,
    ...(signature ? { signature } : {}),
    timeouts,
    pool: { connections, queue },
    maxHeaderSize,
    stripHeaders,
  };
}

function readOrigin(s: ConfigSection): URL | undefined {
  const text = s.string('url', { required: true });
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    s.error('url', `expected an http:// or https:// origin such as https://idp.internal:8443, got '${text}'`);
    return undefined;
  }
  const problems: string[] = [];
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`scheme '${url.protocol.slice(0, -1)}' is not http or https`);
  if (url.username || url.password) problems.push('credentials in the URL are not allowed (use auth.basic)');
  if (url.pathname !== '/' || url.search || url.hash) problems.push('only an origin is allowed, no path, query or fragment');
  if (problems.length > 0) {
    // Do not echo a URL that carries credentials.
    const shown = url.username || url.password ? 'the URL' : `'${text}'`;
    s.error('url', `expected an http:// or https:// origin, got ${shown}: ${problems.join('; ')}`);
    return undefined;
  }
  return new URL(url.origin);
}

function readClientCertForward(parent: ConfigSection): ClientCertForwardConfig | undefined {
  const defaults: ClientCertForwardConfig = { header: 'X-Client-Cert', format: 'pem-urlencoded', infoHeaders: true };
  if (!parent.has('clientCert')) return defaults;
  const s = parent.section('clientCert', ['header', 'format', 'chainHeader', 'infoHeaders']);
  if (!s) return undefined;
  const header = s.string('header') ?? defaults.header;
  const chainHeader = s.string('chainHeader');
  for (const [key, value] of [
    ['header', header],
    ['chainHeader', chainHeader],
  ] as const) {
    const problem = value !== undefined ? headerNameProblem(value) : undefined;
    if (problem) s.error(key, problem);
  }
  return {
    header,
    format: s.enum('format', CERT_HEADER_FORMATS) ?? defaults.format,
    ...(chainHeader !== undefined ? { chainHeader } : {}),
    infoHeaders: s.boolean('infoHeaders') ?? defaults.infoHeaders,
  };
}

function readSignature(parent: ConfigSection): SignatureConfig | undefined {
  const s = parent.section('signature', ['alg', 'keyFile', 'keyId', 'expiresIn', 'publishKeys', 'digestMaxBody', 'largeBodies']);
  if (!s) return undefined;
  const alg = s.enum('alg', SIGNATURE_ALGS, { required: true });
  const keyFile = s.string('keyFile', { required: true });
  const keyId = s.string('keyId', { required: true });
  const expiresMs = s.duration('expiresIn', { min: 1000 }) ?? DEFAULT_EXPIRES_MS;
  if (expiresMs % 1000 !== 0) s.error('expiresIn', 'expected whole seconds');
  const digestMaxBody = s.size('digestMaxBody') ?? DEFAULT_DIGEST_MAX_BODY;
  const largeBodies = s.enum('largeBodies', LARGE_BODIES) ?? 'reject';
  const key = alg !== undefined && keyFile !== undefined ? loadSignatureKey(s.ctx, s.at('keyFile'), s.keyPath('keyFile'), keyFile, alg) : undefined;
  const publishKeys = readPublishKeys(s, keyId);
  if (alg === 'hmac-sha256' && publishKeys.length > 0) s.error('publishKeys', 'hmac-sha256 secrets are never published; publishKeys needs an asymmetric alg');
  if (!alg || !key || keyId === undefined) return undefined;
  return { alg, keyId, key: key.key, keyPath: key.path, expiresIn: expiresMs / 1000, digestMaxBody, largeBodies, publishKeys };
}

/** Two features writing the same header would overwrite each other; one may be a security header. */
function checkHeaderCollisions(s: ConfigSection, cc: ClientCertForwardConfig, authHeader: string | undefined): void {
  const owners = new Map<string, string>();
  const claim = (header: string | undefined, owner: string, key: string): void => {
    if (header === undefined) return;
    const lc = header.toLowerCase();
    const prior = owners.get(lc);
    if (prior) s.error(key, `header '${header}' is already set by ${prior}`);
    else owners.set(lc, owner);
  };
  for (const h of GATEWAY_FIXED_HEADERS) owners.set(h.toLowerCase(), 'the gateway itself');
  claim(cc.header, 'clientCert.header', 'clientCert');
  claim(cc.chainHeader, 'clientCert.chainHeader', 'clientCert');
  claim(authHeader, 'auth.basic.header', 'auth');
}
