// Findings that need more than one section: a route that requires a certificate on a listener
// that never asks for one, header sets larger than an upstream accepts, and a request-ID header
// that an upstream's configuration already uses for something else.
import type { Document, Node } from 'yaml';
import { estimateAddedHeaderBytes } from './header-size-estimate.js';
import { reportError, reportWarning, type LoadContext } from './load-context.js';
import type { ListenerConfig, RouteConfig, UpstreamConfig } from './types.js';

export function crossCheck(
  ctx: LoadContext,
  doc: Document,
  listeners: readonly ListenerConfig[],
  upstreams: ReadonlyMap<string, UpstreamConfig>,
  routes: readonly RouteConfig[],
): void {
  const at = (path: (string | number)[]): Node | undefined => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as Node | undefined;
      if (node && typeof node === 'object') return node;
    }
    return undefined;
  };
  const listenersOf = (r: RouteConfig): ListenerConfig[] => (r.listeners ? listeners.filter((l) => r.listeners!.includes(l.name)) : [...listeners]);

  routes.forEach((r, i) => {
    if (r.clientCert !== 'required') return;
    for (const l of listenersOf(r)) {
      // A listener with hosts may ask for certificates on one of them (src/tls/sni-dispatch.ts).
      if (l.clientAuth.mode === 'off' && (l.hosts ?? []).every((h) => h.clientAuth.mode === 'off')) {
        reportWarning(
          ctx,
          at(['routes', i, 'clientCert']),
          `routes[${i}].clientCert`,
          `route '${r.name}' requires a client certificate but listener '${l.name}' has clientAuth.mode 'off': every request there gets 401`,
        );
      }
    }
  });

  listeners.forEach((l, i) => {
    const idHeader = l.requestId.header.toLowerCase();
    for (const [name, u] of upstreams) {
      const taken = [u.clientCert.header, u.clientCert.chainHeader, ...u.authentication.map((a) => a.header?.[0])];
      // One name would carry two values upstream, and the signature would cover it twice.
      if (taken.some((h) => h?.toLowerCase() === idHeader)) {
        reportError(
          ctx,
          at(['listeners', i, 'requestId', 'header']),
          `listeners[${i}].requestId.header`,
          `'${l.requestId.header}' is also a header upstream '${name}' gets from the gateway; choose another request-ID header`,
        );
      }
    }
  });

  for (const [name, u] of upstreams) {
    const using = routes.filter((r) => r.upstream === u);
    if (using.length === 0) {
      reportWarning(ctx, at(['upstreams', name]), `upstreams.${name}`, `upstream '${name}' is not used by any route`);
      continue;
    }
    const depth = Math.max(0, ...using.flatMap(listenersOf).map((l) => l.clientAuth.verifyDepth));
    const est = estimateAddedHeaderBytes(u, depth);
    if (est.bytes > u.maxHeaderSize) {
      reportWarning(
        ctx,
        at(['upstreams', name, 'maxHeaderSize']),
        `upstreams.${name}.maxHeaderSize`,
        `the headers the gateway adds can reach about ${est.bytes} bytes (${est.certificates} certificates of ~2 KB in ` +
          `${u.clientCert.format}, verifyDepth ${depth}), over maxHeaderSize ${u.maxHeaderSize}; the upstream may answer 431. ` +
          "Raise the upstream's header limit and maxHeaderSize, use der-base64 or rfc9440, lower verifyDepth, or drop chainHeader",
      );
    }
  }
  if (routes.length === 0) reportWarning(ctx, at(['routes']), 'routes', 'no routes: every request will get 404 NO_ROUTE');
}
