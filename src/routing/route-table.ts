// Route selection: host, then longest pathPrefix, then method. Compiled once per config into
// per-listener arrays pre-sorted by prefix length, so a request costs a short scan.
//
// Semantics (documented contract):
// - listeners: a route with `listeners` applies only to those listener names; one without
//   applies to every listener.
// - host: case-insensitive, port stripped (`Host: AS.example.com:8443` -> `as.example.com`,
//   `[::1]:8443` -> `[::1]`), one trailing dot ignored (`as.example.com.` is the same name in
//   DNS and must not slip past a host-specific route). Routes whose host equals the request's
//   are tried first; if none of them matches path and method, host-less routes are tried.
//   A route with a host never matches another host, nor a request without Host.
// - pathPrefix: plain string prefix of the path with the query removed, like nginx's
//   `location /api/` (so `/api` does not match `/api/`, and `/apix` matches `/api`). Nothing
//   else is normalised here: no percent-decoding, no dot-segment removal, no `//` merging;
//   the path is already canonical (canonical-path.ts): paths whose meaning an upstream might
//   change were refused before routing.
// - method: among the routes whose prefix matches, the longest prefix that allows the method
//   wins; if the longest prefix does not allow it, the next-longest that does, else none.
//   No implicit HEAD-for-GET.
// - ties (same prefix length and both allow the method): the earlier route in the config.
import type { RouteConfig } from './config.js';

export interface RouteTable {
  match(listenerName: string, host: string | undefined, path: string, method: string): RouteConfig | undefined;
}

const HOST_CACHE_LIMIT = 1024;

interface ListenerRoutes {
  /** Normalised host -> routes for that host, longest prefix first. */
  readonly byHost: ReadonlyMap<string, readonly RouteConfig[]>;
  /** Routes without a host, longest prefix first. */
  readonly anyHost: readonly RouteConfig[];
}

/** Lower-case, port removed, one trailing dot removed. */
export function normaliseHost(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const close = host.indexOf(']');
    if (close !== -1) end = close + 1;
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) end = colon;
  }
  if (end > 1 && host.charCodeAt(end - 1) === 0x2e /* . */) end--;
  const h = end === host.length ? host : host.slice(0, end);
  return h.toLowerCase();
}

function byPrefixLengthDesc(routes: RouteConfig[]): RouteConfig[] {
  // Array.prototype.sort is stable: equal lengths keep config order.
  return routes.sort((a, b) => b.match.pathPrefix.length - a.match.pathPrefix.length);
}

function compileListener(routes: readonly RouteConfig[]): ListenerRoutes {
  const hosts = new Map<string, RouteConfig[]>();
  const anyHost: RouteConfig[] = [];
  for (const r of routes) {
    if (r.match.host === undefined) {
      anyHost.push(r);
    } else {
      const h = normaliseHost(r.match.host);
      let list = hosts.get(h);
      if (list === undefined) hosts.set(h, (list = []));
      list.push(r);
    }
  }
  const byHost = new Map<string, readonly RouteConfig[]>();
  for (const [h, list] of hosts) byHost.set(h, Object.freeze(byPrefixLengthDesc(list)));
  return { byHost, anyHost: Object.freeze(byPrefixLengthDesc(anyHost)) };
}

/** `pathEnd` is where the query starts: a prefix must fit before it (no slicing per request). */
function scan(routes: readonly RouteConfig[], path: string, pathEnd: number, method: string): RouteConfig | undefined {
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    const prefix = r.match.pathPrefix;
    if (prefix.length > pathEnd || !path.startsWith(prefix)) continue;
    const methods = r.match.methods;
    if (methods === undefined || methods.has(method)) return r;
  }
  return undefined;
}

export function compileRoutes(routes: readonly RouteConfig[]): RouteTable {
  // Clients send a handful of distinct Host spellings; bounded so random ones cannot grow memory.
  const hostCache = new Map<string, string>();
  const cachedNormaliseHost = (host: string): string => {
    let h = hostCache.get(host);
    if (h === undefined) {
      h = normaliseHost(host);
      if (hostCache.size < HOST_CACHE_LIMIT) hostCache.set(host, h);
    }
    return h;
  };
  const named = new Set<string>();
  for (const r of routes) for (const l of r.listeners ?? []) named.add(l);

  const perListener = new Map<string, ListenerRoutes>();
  for (const name of named) {
    perListener.set(name, compileListener(routes.filter((r) => r.listeners === undefined || r.listeners.includes(name))));
  }
  // Listeners no route names: only the listener-agnostic routes apply.
  const otherListeners = compileListener(routes.filter((r) => r.listeners === undefined));

  return {
    match(listenerName, host, path, method) {
      const table = perListener.get(listenerName) ?? otherListeners;
      const q = path.indexOf('?');
      const pathEnd = q === -1 ? path.length : q;
      if (host !== undefined && table.byHost.size > 0) {
        const forHost = table.byHost.get(cachedNormaliseHost(host));
        if (forHost !== undefined) {
          const hit = scan(forHost, path, pathEnd, method);
          if (hit !== undefined) return hit;
        }
      }
      return scan(table.anyHost, path, pathEnd, method);
    },
  };
}
