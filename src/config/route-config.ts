// `routes[]`: match, target upstream (resolved to its object), certificate requirement, policy.
import { ConfigSection } from './config-section.js';
import { readAllowRules } from './allow-rules.js';
import { readTokenBinding } from './token-binding-config.js';
import { readRouteSignature } from './route-signature.js';
import { compileAllow } from '../policy/route-policy.js';
import { isHttpToken } from './header-names.js';
import { isHostname } from './listen-address.js';
import { indexKey, reportError, type LoadContext, type YamlValue } from './load-context.js';
import type { ListenerConfig, RouteConfig, RouteMatch, UpstreamConfig } from './types.js';
import { readList, reportDuplicateNames } from './yaml-values.js';
import { isIP } from 'node:net';
import { isCanonicalPrefix } from '../routing/canonical-path.js';
import { readDiscovery } from './discovery-config.js';

export function readRoutes(
  ctx: LoadContext,
  node: YamlValue,
  path: string,
  upstreams: ReadonlyMap<string, UpstreamConfig>,
  listeners: readonly ListenerConfig[],
): RouteConfig[] | undefined {
  const items = readList(ctx, node, path);
  if (!items) return undefined;
  reportDuplicateNames(ctx, items, 'route');
  const out: RouteConfig[] = [];
  items.forEach((item, i) => {
    const r = readRoute(ctx, item.node, indexKey(path, i), upstreams, listeners);
    if (r) out.push(r);
  });
  return out;
}

function readRoute(ctx: LoadContext, node: YamlValue, path: string, upstreams: ReadonlyMap<string, UpstreamConfig>, listeners: readonly ListenerConfig[]): RouteConfig | undefined {
  const s = ConfigSection.open(ctx, node, path, ['name', 'listeners', 'match', 'upstream', 'clientCert', 'allow', 'tokenBinding', 'discovery', 'signature']);
  if (!s) return undefined;
  const name = s.string('name', { required: true });
  let routeListeners: string[] | undefined;
  if (s.has('listeners')) {
    routeListeners = [];
    for (const item of s.stringList('listeners') ?? []) {
      if (listeners.length > 0 && !listeners.some((l) => l.name === item.value)) {
        reportError(ctx, item.node, item.path, `no listener named '${item.value}'; expected one of ${listeners.map((l) => l.name).join(', ')}`);
      }
      routeListeners.push(item.value);
    }
    if (routeListeners.length === 0) s.error('listeners', 'expected at least one listener name (omit listeners for every listener)');
  }
  const match = readMatch(s);
  const upstreamName = s.string('upstream', { required: true });
  const upstream = upstreamName !== undefined ? upstreams.get(upstreamName) : undefined;
  if (upstreamName !== undefined && !upstream) {
    const known = [...upstreams.keys()];
    s.error('upstream', `no upstream named '${upstreamName}'; expected one of ${known.length > 0 ? known.join(', ') : '(no upstreams defined)'}`);
  }
  const clientCert = s.enum('clientCert', ['required', 'optional'] as const) ?? 'required';
  const allow = s.has('allow') ? readAllowRules(s) : undefined;
  const discovery = s.has('discovery') ? readDiscovery(s) : undefined;
  const tokenBinding = s.has('tokenBinding') ? readTokenBinding(s) : undefined;
  const signature = s.has('signature') ? readRouteSignature(s, upstream) : undefined;
  if (name === undefined || !match || !upstream) return undefined;
  return {
    name,
    ...(routeListeners ? { listeners: routeListeners } : {}),
    match,
    upstream,
    clientCert,
    // Compiled once here, by the code that runs it (src/policy/route-policy.ts).
    ...(allow ? { allow, compiledAllow: compileAllow(allow) } : {}),
    ...(discovery ? { discovery } : {}),
    ...(tokenBinding ? { tokenBinding } : {}),
    ...(signature ? { signature } : {}),
  };
}

function readMatch(parent: ConfigSection): RouteMatch | undefined {
  if (!parent.has('match')) return { pathPrefix: '/' };
  const s = parent.section('match', ['host', 'pathPrefix', 'methods']);
  if (!s) return undefined;
  const host = s.string('host');
  if (host !== undefined && !(isHostname(host) || isIP(host) === 4 || /^\[[0-9A-Fa-f:.]+\]$/.test(host))) {
    s.error('host', `expected a host name without port, such as as.example.com, got '${host}'`);
  }
  const pathPrefix = s.string('pathPrefix') ?? '/';
  if (!pathPrefix.startsWith('/')) s.error('pathPrefix', `expected a path starting with '/', got '${pathPrefix}'`);
  else if (/[?#\s]/.test(pathPrefix)) s.error('pathPrefix', `expected a path without query, fragment or spaces, got '${pathPrefix}'`);
  else if (!isCanonicalPrefix(pathPrefix))
    s.error('pathPrefix', `expected a canonical path (no dot or empty segments, unreserved characters not percent-encoded, upper-case hex), got '${pathPrefix}'`);
  let methods: Set<string> | undefined;
  if (s.has('methods')) {
    methods = new Set();
    for (const item of s.stringList('methods') ?? []) {
      if (!isHttpToken(item.value)) reportError(s.ctx, item.node, item.path, `expected an HTTP method such as GET or POST, got '${item.value}'`);
      else if (item.value.toUpperCase() === 'CONNECT') reportError(s.ctx, item.node, item.path, 'CONNECT cannot be routed: certgate does not open tunnels');
      else methods.add(item.value.toUpperCase());
    }
    if (methods.size === 0) s.error('methods', 'expected at least one method (omit methods to match every method)');
  }
  // Host names are case-insensitive (RFC 9110 section 4.2.3); stored lower-case for matching.
  return { ...(host !== undefined ? { host: host.toLowerCase() } : {}), pathPrefix, ...(methods ? { methods } : {}) };
}
