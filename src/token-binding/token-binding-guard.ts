// The token-binding stage of one route (RFC 8705 section 3): the Authorization field read
// (bearer-token.ts), the token verified (jwt-verifier.ts for JWTs, introspection for anything
// else), then bound to the connection's certificate (binding-check.ts). A token that passed is
// memoised on its connection until it expires, so a keep-alive client with one token pays one
// string compare and one clock read per request after the first.
import type { Registry } from 'prom-client';
import type { GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ClientIdentity } from '../identity/types.js';
import type { RouteConfig } from '../routing/config.js';
import type { TokenBindingConfig } from './config.js';
import { authorizationField, parseCredentials } from './bearer-token.js';
import { checkBinding } from './binding-check.js';
import { IntrospectionCache } from './introspection-cache.js';
import { createIntrospectionClient, type IntrospectionClient } from './introspection-client.js';
import { createJwtVerifier, looksLikeJwt } from './jwt-verifier.js';
import { createTokenBindingMetrics, type TokenBindingMetrics } from './token-binding-metrics.js';
import { TokenRejection, VerificationUnavailable, tokenInvalid, tokenRequired, verificationUnavailable } from './token-errors.js';
import type { TokenVerifier } from './verified-token.js';

/** undefined: the request passes; an error: its answer; a promise: one of those, once verified. */
export type TokenVerdict = GatewayError | undefined | Promise<GatewayError | undefined>;

/** What the guard reads of a connection (the pipeline's ConnectionContext is one); also the memo's key. */
export interface BoundConnection {
  readonly identity: ClientIdentity;
}

export interface TokenBindingGuard {
  check(rawHeaders: readonly string[], connection: BoundConnection): TokenVerdict;
}

interface Memo {
  /** The whole Authorization field value, compared as is: no parsing on a hit. */
  readonly field: string;
  readonly expiresAt: number;
}

interface Verifiers {
  readonly jwt: TokenVerifier | undefined;
  readonly introspection: TokenVerifier | undefined;
}

/** The guards of every route with tokenBinding, by route name; empty (and no metrics) when none has it. */
export function createTokenBindingGuards(
  routes: readonly RouteConfig[],
  logger: Logger,
  registry: Registry,
): { readonly guards: ReadonlyMap<string, TokenBindingGuard>; close(): Promise<void> } {
  const guards = new Map<string, TokenBindingGuard>();
  const clients: IntrospectionClient[] = [];
  const bound = routes.filter((r) => r.tokenBinding !== undefined);
  const metrics = bound.length > 0 ? createTokenBindingMetrics(registry) : undefined;
  for (const route of bound) {
    const config = route.tokenBinding!;
    const client = config.introspection ? createIntrospectionClient(config.introspection) : undefined;
    if (client) clients.push(client);
    guards.set(route.name, createGuard(route.name, config, verifiers(route.name, config, client, metrics!), logger, metrics!));
  }
  return {
    guards,
    close: async () => {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    },
  };
}

function verifiers(route: string, config: TokenBindingConfig, client: IntrospectionClient | undefined, metrics: TokenBindingMetrics): Verifiers {
  const jwt = config.jwt ? createJwtVerifier(config.jwt, () => metrics.jwksFetches.inc({ route })) : undefined;
  const introspection =
    client && config.introspection
      ? new IntrospectionCache({
          maxEntries: config.introspection.cacheSize,
          introspect: (token) =>
            client.introspect(token).then(
              (verdict) => {
                metrics.introspectionCalls.inc({ route, result: 'active' });
                return verdict;
              },
              (err: unknown) => {
                metrics.introspectionCalls.inc({ route, result: err instanceof TokenRejection ? 'refused' : 'unavailable' });
                throw err;
              },
            ),
        })
      : undefined;
  return { jwt, introspection };
}

function createGuard(route: string, config: TokenBindingConfig, verifiers: Verifiers, logger: Logger, metrics: TokenBindingMetrics): TokenBindingGuard {
  const memos = new WeakMap<BoundConnection, Memo>();
  const passed = metrics.outcomes.labels({ route, code: 'OK' });
  const answer = (err: GatewayError | undefined): GatewayError | undefined => {
    if (err === undefined) passed.inc();
    else metrics.outcomes.inc({ route, code: err.code });
    return err;
  };

  const verify = (token: string, field: string, ctx: BoundConnection): Promise<GatewayError | undefined> => {
    // Both configured: a JWS compact token goes to the JWKS, anything else is opaque.
    const useJwt = verifiers.jwt !== undefined && (verifiers.introspection === undefined || looksLikeJwt(token));
    const verifier = (useJwt ? verifiers.jwt : verifiers.introspection)!;
    metrics.verifications.inc({ route, kind: useJwt ? 'jwt' : 'introspection' });
    return verifier.verify(token).then(
      (verified) => {
        const refused = checkBinding(verified, ctx.identity);
        if (refused === undefined) memos.set(ctx, { field, expiresAt: verified.expiresAt });
        return answer(refused);
      },
      (err: unknown) => {
        if (err instanceof TokenRejection) return answer(tokenInvalid(err.description));
        if (!(err instanceof VerificationUnavailable)) throw err;
        logger.warn(
          { event: 'token_verification_unavailable', route, kind: useJwt ? 'jwt' : 'introspection', detail: err.message },
          'access token could not be verified; request refused',
        );
        return answer(verificationUnavailable());
      },
    );
  };

  return {
    check(rawHeaders, ctx) {
      const field = authorizationField(rawHeaders);
      if (typeof field === 'string') {
        const memo = memos.get(ctx);
        // exp is re-tested on every request: a memo never outlives its token.
        if (memo !== undefined && memo.field === field && memo.expiresAt > Date.now()) {
          passed.inc();
          return undefined;
        }
      }
      const credentials = parseCredentials(field);
      switch (credentials.kind) {
        case 'bearer':
          return verify(credentials.token, field as string, ctx);
        case 'none':
        case 'other':
          return config.required ? answer(tokenRequired()) : answer(undefined);
        case 'dpop':
          return answer(tokenInvalid('DPoP is not supported; present a certificate-bound Bearer access token'));
        case 'malformed':
          return answer(tokenInvalid('the Authorization header is not one valid Bearer credential'));
      }
    },
  };
}
