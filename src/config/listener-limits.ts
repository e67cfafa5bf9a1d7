// `listeners[].limits`: what one client may hold of the gateway. Defaults follow nginx and Envoy so
// that a slow, idle or greedy client is cut before it starves everyone else.
import type { ConfigSection } from './config-section.js';
import type { ListenerLimits } from './types.js';

const DEFAULT_LIMITS: ListenerLimits = Object.freeze({
  handshakeTimeout: 10_000,
  headerTimeout: 10_000,
  bodyIdleTimeout: 30_000,
  requestTimeout: 300_000,
  keepAliveTimeout: 60_000,
  maxConnections: 10_000,
  maxHeaderCount: 100,
  maxHeaderSize: 16 * 1024,
  pipelineDepth: 16,
  bodyBuffer: 64 * 1024,
});

const KEYS = Object.keys(DEFAULT_LIMITS) as (keyof ListenerLimits)[];
const DURATIONS = new Set<keyof ListenerLimits>(['handshakeTimeout', 'headerTimeout', 'bodyIdleTimeout', 'requestTimeout', 'keepAliveTimeout']);
const SIZES = new Set<keyof ListenerLimits>(['maxHeaderSize', 'bodyBuffer']);

export function readListenerLimits(parent: ConfigSection): ListenerLimits | undefined {
  if (!parent.has('limits')) return DEFAULT_LIMITS;
  const s = parent.section('limits', KEYS);
  if (!s) return undefined;
  const out: Record<keyof ListenerLimits, number> = { ...DEFAULT_LIMITS };
  for (const key of KEYS) {
    if (!s.has(key)) continue;
    const v = DURATIONS.has(key) ? s.duration(key, { min: 1 }) : SIZES.has(key) ? s.size(key) : s.integer(key, { min: 1 });
    if (v === undefined) continue;
    if (v < 1) s.error(key, 'expected a value above 0');
    else out[key] = v;
  }
  if (out.maxHeaderSize < 1024) s.error('maxHeaderSize', 'expected at least 1kb');
  return Object.freeze(out);
}
