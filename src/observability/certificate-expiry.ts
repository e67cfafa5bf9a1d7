// certgate_certificate_expiry_days for every certificate the gateway holds: listener (and SNI host)
// certificates, trust anchors, and the gateway's own upstream client certificates.
import type { X509Certificate } from 'node:crypto';
import type { GatewayConfig } from '../config/types.js';
import type { GatewayMetrics } from './metrics.js';

const DAY_MS = 86_400_000;

export function recordCertificateExpiry(config: GatewayConfig, metrics: GatewayMetrics, now = Date.now()): void {
  const set = (role: string, cert: X509Certificate): void => {
    const subject = cert.subject.replace(/\n/g, ',');
    metrics.certExpiryDays.set({ role, subject }, Math.floor((Date.parse(cert.validTo) - now) / DAY_MS));
  };
  for (const l of config.listeners) {
    // A listener's SNI hosts hold certificates and anchors of their own, under the listener's roles.
    for (const host of [l, ...(l.hosts ?? [])]) {
      for (const file of [host.tls.cert, ...(host.tls.alternates ?? []).map((a) => a.cert)]) for (const c of file.certificates) set(`listener:${l.name}`, c);
      for (const f of host.clientAuth.trustedCAs) for (const c of f.certificates) set(`trust:${l.name}`, c);
    }
  }
  for (const u of config.upstreams.values()) {
    for (const c of u.tls?.cert?.certificates ?? []) set(`upstream-client:${u.name}`, c);
    for (const c of u.tls?.ca?.certificates ?? []) set(`upstream-ca:${u.name}`, c);
  }
}
