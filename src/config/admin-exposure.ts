// The admin listener serves /metrics (certificate subjects, route names, error counts) and
// /readyz without authentication: on a non-loopback address anyone who can reach it reads them.
// Not an error (a private network may be intended), but `check` and startup say so.
import { isIP } from 'node:net';
import type { ConfigSection } from './config-section.js';
import { reportWarning } from './load-context.js';
import type { HostPort } from './types.js';

function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(host);
  return false;
}

export function warnIfAdminExposed(section: ConfigSection, admin: HostPort): void {
  if (isLoopbackHost(admin.host)) return;
  reportWarning(
    section.ctx,
    section.at('listen'),
    section.keyPath('listen'),
    `admin listener on ${admin.host} is not a loopback address: /metrics and /readyz are served without authentication to whoever can reach it; use 127.0.0.1 or ::1 unless that is intended`,
  );
}
