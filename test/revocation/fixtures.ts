// Shared test fixtures: a RevocationConfig with test-friendly defaults, fixed trust anchors and a
// pino logger whose lines the test can read.
import type { X509Certificate } from 'node:crypto';
import { pino, type Logger } from 'pino';
import type { RevocationConfig } from '../../src/config/types.js';
import type { TrustAnchors } from '../../src/revocation/revocation-checker.js';

export function revocationConfig(
  over: Partial<Omit<RevocationConfig, 'ocsp' | 'crl'>> & {
    ocsp?: Partial<RevocationConfig['ocsp']>;
    crl?: Partial<RevocationConfig['crl']>;
  } = {},
): RevocationConfig {
  const { ocsp, crl, ...rest } = over;
  return {
    check: 'leaf',
    sources: ['ocsp', 'crl'],
    failMode: 'closed',
    staleGrace: 0,
    intermediateWithoutSource: 'skip',
    overrides: [],
    ...rest,
    ocsp: { enabled: true, timeout: 2000, nonce: true, maxAge: 300_000, errorTtl: 5000, clockSkew: 60_000, ...ocsp },
    crl: { files: [], distributionPoints: false, refresh: 300_000, fetchTimeout: 2000, ...crl },
  };
}

export interface CapturedLogger {
  readonly logger: Logger;
  readonly lines: Array<Record<string, unknown>>;
  events(name: string): Array<Record<string, unknown>>;
}

export function captureLogger(): CapturedLogger {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (s: string) => {
        lines.push(JSON.parse(s) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines, events: (name) => lines.filter((l) => l.event === name) };
}

/** Trust anchors that never change (one generation). */
export function fixedTrust(anchors: readonly X509Certificate[]): TrustAnchors {
  return { anchors, generation: 1 };
}
