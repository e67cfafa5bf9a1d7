// The composition root: provisions every stage from the validated config and wires them into
// listeners. Nothing below this file reads config files or decides wiring.
import type https from 'node:https';
import type { Server as HttpServer } from 'node:http';
import type { GatewayConfig, HostPort } from './config/types.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createMetrics, type GatewayMetrics } from './observability/metrics.js';
import { compileRoutes } from './routing/route-table.js';
import { createUpstreamRuntime, type UpstreamRuntime } from './forward/upstream-runtime.js';
import { createListenerRuntime, type ListenerRuntime, type VirtualHostRuntime } from './pipeline/listener-runtime.js';
import { createRequestPipeline } from './pipeline/request-pipeline.js';
import { createTlsServer, reloadTrust } from './tls/tls-listener.js';
import { guardListener } from './tls/listener-guards.js';
import { readProxyHeaders } from './tls/proxy-protocol-reader.js';
import { serveVirtualHosts, type VirtualHostServer } from './tls/virtual-hosts.js';
import { misdirectedCheck } from './pipeline/misdirected-request.js';
import { createAdminServer } from './admin/admin-server.js';
import { jwksDocument } from './admin/jwks-document.js';
import { recordCertificateExpiry } from './observability/certificate-expiry.js';
import { trackConnections, type ConnectionDrain } from './lifecycle/connection-drain.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  /** Metrics registry; cluster workers pass prom-client's global one for the primary to aggregate. */
  readonly registry?: import('prom-client').Registry;
  /** Serve the admin endpoints from this process (false in cluster workers: the primary does). */
  readonly admin?: boolean;
  /** Listening sockets bound by the supervisor, by listener name (src/supervisor/listen-sockets.ts). */
  readonly listenHandles?: ReadonlyMap<string, object>;
}

export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  /** Bound addresses by listener name (port 0 in the config gets a real port). */
  readonly addresses: ReadonlyMap<string, HostPort>;
  readonly adminAddress: HostPort | undefined;
  readonly listeners: ReadonlyMap<string, ListenerRuntime>;
  /**
   * Re-reads nothing: swaps the trust anchors of a listener and rotates its ticket keys; with
   * `serverName`, those of the listener's SNI host with that name instead of its default host.
   */
  replaceTrust(listenerName: string, trustedCAs: GatewayConfig['listeners'][number]['clientAuth']['trustedCAs'], serverName?: string): void;
  /**
   * Graceful drain, then release everything (revocation timers, upstream pools): stop accepting,
   * let in-flight requests finish for up to `drainTimeoutMs` (default 0: cut them at once), close
   * keep-alive connections. Resolves with the number of connections the deadline cut.
   */
  close(drainTimeoutMs?: number): Promise<{ cut: number }>;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logging.level);
  const metrics = createMetrics(options.registry);
  const routes = compileRoutes(config.routes);
  // Loaded only when a route binds tokens: otherwise jose and the introspection client (undici) are never loaded.
  const tokenBindings = config.routes.some((r) => r.tokenBinding !== undefined)
    ? (await import('./token-binding/token-binding-guard.js')).createTokenBindingGuards(config.routes, logger, metrics.registry)
    : undefined;
  const upstreams = new Map<string, UpstreamRuntime>();
  const requestIdHeaders = config.listeners.map((l) => l.requestId.header);
  for (const [name, upstream] of config.upstreams) {
    upstreams.set(name, createUpstreamRuntime(upstream, requestIdHeaders));
    if (upstream.signature) {
      logger.info({ event: 'signature_key_loaded', upstream: name, keyId: upstream.signature.keyId, alg: upstream.signature.alg }, 'header signing key loaded');
    }
  }
  for (const warning of config.warnings) logger.warn({ event: 'config_warning', ...warning }, warning.message);

  const servers = new Map<string, https.Server>();
  const listeners = new Map<string, ListenerRuntime>();
  const virtualHosts = new Map<string, VirtualHostServer[]>();
  const addresses = new Map<string, HostPort>();
  let admin: HttpServer | undefined;
  let adminAddress: HostPort | undefined;

  const drains = new Map<string, ConnectionDrain>();
  let closing: Promise<{ cut: number }> | undefined;
  const close = (drainTimeoutMs = 0): Promise<{ cut: number }> => (closing ??= shutDown(drainTimeoutMs));
  const shutDown = async (drainTimeoutMs: number): Promise<{ cut: number }> => {
    const results = await Promise.all([...drains.values()].map((d) => d.drain(drainTimeoutMs)));
    const cut = results.reduce((n, r) => n + r.cut, 0);
    if (drains.size > 0) logger.info({ event: 'drained', cut }, cut > 0 ? `drain deadline cut ${cut} connection(s)` : 'all connections drained');
    if (admin) await closeServer(admin);
    await Promise.all([...listeners.values()].flatMap((l) => [l, ...l.hosts]).map(async (h) => h.revocation?.close()));
    await Promise.all([...upstreams.values()].map((u) => u.client.close().catch(() => undefined)));
    await tokenBindings?.close();
    return { cut };
  };

  try {
    for (const listenerConfig of config.listeners) {
      const listener = await createListenerRuntime(listenerConfig, logger, metrics.registry);
      listeners.set(listenerConfig.name, listener);
      for (const host of [listener, ...listener.hosts]) await host.revocation?.start();
      const tokenGuards = tokenBindings?.guards ?? new Map();
      const handler = createRequestPipeline({ listener, routes, upstreams, logger, metrics, tokenBindings: tokenGuards, misdirected: misdirectedCheck(listener, undefined) });
      const server = createTlsServer(listenerConfig, listener.trust, handler);
      if (listener.hosts.length > 0) {
        const hostHandler = (host: VirtualHostRuntime) =>
          createRequestPipeline({ listener, host, routes, upstreams, logger, metrics, tokenBindings: tokenGuards, misdirected: misdirectedCheck(listener, host) });
        virtualHosts.set(listenerConfig.name, serveVirtualHosts(server, listener, hostHandler, logger, metrics));
      }
      if (listenerConfig.proxyProtocol) readProxyHeaders(server, listenerConfig.name, listenerConfig.proxyProtocol, logger, metrics);
      guardListener(server, listenerConfig, logger, metrics);
      drains.set(listenerConfig.name, trackConnections(server, { tls: true, handedTo: virtualHosts.get(listenerConfig.name)?.map((v) => v.server) }));
      servers.set(listenerConfig.name, server);
      addresses.set(listenerConfig.name, await listen(server, listenerConfig.listen, options.listenHandles?.get(listenerConfig.name)));
      logger.info(
        { event: 'listening', listener: listenerConfig.name, address: addresses.get(listenerConfig.name), clientAuth: listenerConfig.clientAuth.mode },
        'listener started',
      );
    }
    recordCertificateExpiry(config, metrics);
    if (config.admin && options.admin !== false) {
      const jwks = jwksDocument(config);
      admin = createAdminServer({
        ready: () => servers.size === config.listeners.length,
        metrics: () => metrics.registry.metrics(),
        metricsContentType: metrics.registry.contentType,
        jwks: () => jwks,
      });
      adminAddress = await listen(admin, config.admin.listen);
      logger.info({ event: 'listening', listener: 'admin', address: adminAddress }, 'admin listener started');
    }
  } catch (err) {
    await close();
    throw err;
  }

  return {
    config,
    logger,
    metrics,
    addresses,
    adminAddress,
    listeners,
    replaceTrust(listenerName, trustedCAs, serverName) {
      const listener = listeners.get(listenerName);
      const server = servers.get(listenerName);
      if (!listener || !server) throw new Error(`no listener ${listenerName}`);
      const virtualHost = serverName === undefined ? undefined : virtualHosts.get(listenerName)?.find((v) => v.host.config.serverNames.includes(serverName));
      if (serverName !== undefined && !virtualHost) throw new Error(`no host ${serverName} on listener ${listenerName}`);
      const host = virtualHost?.host ?? listener;
      host.trust.replace(trustedCAs);
      host.identities.clear();
      reloadTrust(virtualHost?.server ?? server, virtualHost?.config ?? listener.config, host.trust);
      logger.info(
        { event: 'trust_reloaded', listener: listenerName, ...(serverName !== undefined ? { host: serverName } : {}) },
        'trust anchors replaced; session tickets rotated',
      );
    },
    close,
  };
}

function listen(server: HttpServer | https.Server, at: HostPort, handle?: object): Promise<HostPort> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const onListening = (): void => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? { host: a.address, port: a.port } : at);
    };
    // A socket the supervisor bound and handed over: this process only accepts on it.
    if (handle) server.listen({ handle }, onListening);
    else server.listen(at.port, at.host, onListening);
  });
}

function closeServer(server: HttpServer | https.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
