// `listeners[]`: address, server certificate, client-certificate verification, revocation.
import { isScalar } from 'yaml';
import { caNamesLimitMessage, caNamesSize, MAX_CA_NAMES_BYTES } from './ca-names-limit.js';
import { loadCertificateFile } from './certificate-files.js';
import { readServerCertificates } from './server-certificates.js';
import { ConfigSection } from './config-section.js';
import { indexKey, reportError, reportWarning, type LoadContext, type YamlValue } from './load-context.js';
import { LISTEN_EXPECTED, parseListenAddress } from './listen-address.js';
import { DEFAULT_REVOCATION, readRevocation } from './revocation-config.js';
import { readListenerLimits } from './listener-limits.js';
import { DEFAULT_KEY_POLICY, readKeyPolicy } from './key-policy.js';
import { readPathRules } from './path-rules.js';
import { readRequestId } from './request-id-config.js';
import { readProxyProtocol } from './proxy-protocol-config.js';
import type { CertificateFile, ClientAuthConfig, ClientAuthMode, HostPort, ListenerConfig, ListenerTlsConfig, RevocationConfig, VirtualHostConfig } from './types.js';
import { readList, reportDuplicateNames } from './yaml-values.js';

const MODES = ['require', 'optional', 'optional_no_ca', 'off'] as const satisfies readonly ClientAuthMode[];
const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const NAME_EXPECTED = 'a name of letters, digits, _ . - (starting with a letter or digit)';

export function readListeners(ctx: LoadContext, node: YamlValue, path: string): ListenerConfig[] | undefined {
  const items = readList(ctx, node, path);
  if (!items) return undefined;
  if (items.length === 0) {
    reportError(ctx, node, path, 'expected at least one listener');
    return undefined;
  }
  reportDuplicateNames(ctx, items, 'listener');
  const out: ListenerConfig[] = [];
  items.forEach((item, i) => {
    const l = readListener(ctx, item.node, indexKey(path, i));
    if (l) out.push(l);
  });
  return out;
}

/** `listen` as host:port; shared with `admin.listen`. */
export function readListen(s: ConfigSection): HostPort | undefined {
  const text = s.string('listen', { required: true });
  if (text === undefined) return undefined;
  const hp = parseListenAddress(text);
  if (!hp) s.error('listen', `expected ${LISTEN_EXPECTED}, got '${text}'`);
  return hp;
}

function readListener(ctx: LoadContext, node: YamlValue, path: string): ListenerConfig | undefined {
  const s = ConfigSection.open(ctx, node, path, ['name', 'listen', 'tls', 'clientAuth', 'revocation', 'limits', 'paths', 'requestId', 'proxyProtocol', 'hosts']);
  if (!s) return undefined;
  const name = s.string('name', { required: true });
  if (name !== undefined && !NAME_PATTERN.test(name)) s.error('name', `expected ${NAME_EXPECTED}, got '${name}'`);
  const listen = readListen(s);
  const tls = readListenerTls(s);
  const clientAuth = readClientAuth(s);
  const revocation = s.has('revocation') ? readRevocation(ctx, s.value('revocation'), s.keyPath('revocation')) : DEFAULT_REVOCATION;
  const limits = readListenerLimits(s);
  const paths = readPathRules(s);
  const requestId = readRequestId(s);
  const proxyProtocol = readProxyProtocol(s);
  const hosts = s.has('hosts') ? readVirtualHosts(s) : [];
  if (name === undefined || !listen || !tls || !clientAuth || !revocation || !limits || !paths || !requestId || proxyProtocol === undefined || !hosts) return undefined;
  warnIfRevocationUnseen(s, revocation, clientAuth);
  return { name, listen, tls, clientAuth, revocation, limits, paths, requestId, ...(proxyProtocol ? { proxyProtocol } : {}), ...(hosts.length > 0 ? { hosts } : {}) };
}

function warnIfRevocationUnseen(s: ConfigSection, revocation: RevocationConfig, clientAuth: ClientAuthConfig): void {
  if (revocation.check !== 'off' && clientAuth.mode === 'off') {
    reportWarning(s.ctx, s.at('revocation'), s.keyPath('revocation'), "revocation is checked but clientAuth.mode is 'off': no client certificate will be seen");
  }
}

/** A DNS name of letters, digits and hyphens, optionally `*.` and more labels. */
const SERVER_NAME = /^(\*\.)?(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/**
 * `hosts`: each is a listener's tls, clientAuth and revocation part (read by the listener's own
 * readers) plus the server names that select it. null when the list is unusable.
 */
function readVirtualHosts(listener: ConfigSection): VirtualHostConfig[] | null {
  const items = listener.list('hosts');
  if (!items) return null;
  if (items.length === 0) listener.error('hosts', 'expected at least one host; leave hosts out for a listener with only its own certificate');
  const seen = new Map<string, string>();
  const out: VirtualHostConfig[] = [];
  let ok = items.length > 0;
  for (const item of items) {
    const s = ConfigSection.open(listener.ctx, item.node, item.path, ['serverNames', 'tls', 'clientAuth', 'revocation']);
    if (!s) {
      ok = false;
      continue;
    }
    const serverNames: string[] = [];
    const names = s.stringList('serverNames', { required: true });
    if (names?.length === 0) s.error('serverNames', 'expected at least one server name');
    for (const n of names ?? []) {
      const name = n.value.toLowerCase();
      const other = seen.get(name);
      if (name.length > 253 || !SERVER_NAME.test(name)) reportError(s.ctx, n.node, n.path, `expected a DNS name (or *.name), got '${n.value}'`);
      else if (other !== undefined) reportError(s.ctx, n.node, n.path, `server name '${name}' is already listed at ${other}`);
      else {
        seen.set(name, n.path);
        serverNames.push(name);
      }
    }
    const tls = readListenerTls(s);
    const clientAuth = readClientAuth(s);
    const revocation = s.has('revocation') ? readRevocation(s.ctx, s.value('revocation'), s.keyPath('revocation')) : DEFAULT_REVOCATION;
    if (!names || serverNames.length !== names.length || !tls || !clientAuth || !revocation) {
      ok = false;
      continue;
    }
    warnIfRevocationUnseen(s, revocation, clientAuth);
    out.push({ serverNames, tls, clientAuth, revocation });
  }
  return ok ? out : null;
}

function readListenerTls(parent: ConfigSection): ListenerTlsConfig | undefined {
  const s = parent.section('tls', ['cert', 'key', 'minVersion', 'maxVersion', 'ciphers', 'sessionTimeout'], { required: true });
  if (!s) return undefined;
  const certificates = readServerCertificates(s);
  const minVersion = s.enum('minVersion', TLS_VERSIONS) ?? 'TLSv1.2';
  const maxVersion = s.enum('maxVersion', TLS_VERSIONS) ?? 'TLSv1.3';
  if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') s.error('maxVersion', 'maxVersion TLSv1.2 is below minVersion TLSv1.3');
  const ciphers = s.string('ciphers');
  const sessionTimeout = readSeconds(s, 'sessionTimeout') ?? 300;
  if (!certificates) return undefined;
  const [first, ...alternates] = certificates;
  return { ...first!, ...(alternates.length > 0 ? { alternates } : {}), minVersion, maxVersion, ...(ciphers !== undefined ? { ciphers } : {}), sessionTimeout };
}

/** Whole seconds, written as an integer (`300`) or a duration (`5m`). */
function readSeconds(s: ConfigSection, key: string): number | undefined {
  if (!s.has(key)) return undefined;
  const v = s.value(key);
  if (isScalar(v) && typeof v.value === 'number') return s.integer(key, { min: 0 });
  const ms = s.duration(key, { min: 0 });
  if (ms === undefined) return undefined;
  if (ms % 1000 !== 0) s.error(key, 'expected whole seconds');
  return Math.floor(ms / 1000);
}

function readClientAuth(parent: ConfigSection): ClientAuthConfig | undefined {
  const defaults = { mode: 'require' as const, verifyDepth: 1, rejectAtHandshake: false };
  const s = parent.has('clientAuth') ? parent.section('clientAuth', ['mode', 'trustedCAs', 'verifyDepth', 'rejectAtHandshake', 'keyPolicy']) : undefined;
  if (parent.has('clientAuth') && !s) return undefined;
  const mode = s?.enum('mode', MODES) ?? defaults.mode;
  const verifyDepth = s?.integer('verifyDepth', { min: 0, max: 32 }) ?? defaults.verifyDepth;
  const rejectAtHandshake = s?.boolean('rejectAtHandshake') ?? defaults.rejectAtHandshake;
  const ctx = parent.ctx;
  const trustedCAs: CertificateFile[] = [];
  if (s?.has('trustedCAs')) {
    for (const item of s.stringList('trustedCAs') ?? []) {
      const f = loadCertificateFile(ctx, item.node, item.path, item.value, 'CA certificate file');
      if (!f) continue;
      trustedCAs.push(f);
      f.certificates.forEach((c, i) => {
        if (!c.ca)
          reportWarning(ctx, item.node, item.path, `certificate #${i + 1} in ${f.path} (${c.subject.replace(/\n/g, ', ')}) is not a CA certificate (basicConstraints CA:FALSE)`);
      });
    }
  }
  const where = s ?? parent;
  const whereKey = s ? 'trustedCAs' : 'clientAuth';
  if ((mode === 'require' || mode === 'optional') && trustedCAs.length === 0 && !s?.has('trustedCAs')) {
    reportError(
      ctx,
      s ? s.node : parent.node,
      s ? s.keyPath('trustedCAs') : parent.keyPath('clientAuth'),
      `clientAuth.mode '${mode}'${s?.has('mode') ? '' : ' (the default)'} needs trustedCAs: the CA certificates that issue client certificates` +
        (s?.has('mode') ? '' : '; set mode: off to accept TLS without client certificates'),
    );
  }
  if (rejectAtHandshake && mode !== 'require') {
    s?.error('rejectAtHandshake', `rejectAtHandshake: true needs mode 'require' (mode is '${mode}')`);
  }
  const size = caNamesSize(trustedCAs);
  if (size > MAX_CA_NAMES_BYTES) {
    const count = trustedCAs.reduce((n, f) => n + f.certificates.length, 0);
    where.error(whereKey, caNamesLimitMessage(size, count));
  }
  const keyPolicy = s ? readKeyPolicy(s) : DEFAULT_KEY_POLICY;
  if (!keyPolicy) return undefined;
  return { mode, trustedCAs, verifyDepth, rejectAtHandshake, keyPolicy };
}
