// The token-binding stage's counters, on the gateway's registry (admin /metrics).
import { Counter, type Registry } from 'prom-client';

export interface TokenBindingMetrics {
  /** Every request checked on a tokenBinding route, by outcome: OK or the error code answered. */
  readonly outcomes: Counter<'route' | 'code'>;
  /** Full verifications (a token not memoised on its connection), by kind: jwt or introspection. */
  readonly verifications: Counter<'route' | 'kind'>;
  /** Calls to an introspection endpoint (cache misses), by result: active, refused or unavailable. */
  readonly introspectionCalls: Counter<'route' | 'result'>;
  /** JWKS documents fetched. */
  readonly jwksFetches: Counter<'route'>;
}

export function createTokenBindingMetrics(registry: Registry): TokenBindingMetrics {
  return {
    outcomes: new Counter({
      name: 'certgate_token_binding_outcomes_total',
      help: 'Requests checked for a certificate-bound access token, by route and outcome (OK or error code)',
      labelNames: ['route', 'code'] as const,
      registers: [registry],
    }),
    verifications: new Counter({
      name: 'certgate_token_verifications_total',
      help: 'Access tokens verified in full (not memoised on their connection), by route and kind',
      labelNames: ['route', 'kind'] as const,
      registers: [registry],
    }),
    introspectionCalls: new Counter({
      name: 'certgate_token_introspection_calls_total',
      help: 'Calls to a token introspection endpoint, by route and result (active, refused, unavailable)',
      labelNames: ['route', 'result'] as const,
      registers: [registry],
    }),
    jwksFetches: new Counter({
      name: 'certgate_token_jwks_fetches_total',
      help: 'JWKS documents fetched to verify JWT access tokens, by route',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
  };
}
