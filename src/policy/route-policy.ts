// A route's `allow` list: which client certificates may use the route. A certificate matching ANY
// entry passes. Entries are normalized once at config time (compileAllow) so the per-request
// check (checkAllow) is a few Set lookups.
import { domainToASCII } from 'node:url';
import type { AllowRules } from '../config/types.js';
import type { ClientCertificate, ClientIdentity } from '../identity/types.js';
import { normalizeDN } from '../identity/distinguished-name.js';
import { canonicalIp } from '../identity/ip-address.js';

export interface CompiledAllow {
  /** normalizeDN() of each subject DN (RFC 4517 distinguishedNameMatch as Set membership). */
  readonly subjectDN: ReadonlySet<string>;
  readonly sanDNS: ReadonlySet<string>;
  readonly sanURI: ReadonlySet<string>;
  readonly sanEmail: ReadonlySet<string>;
  readonly sanIP: ReadonlySet<string>;
  /** x5t#S256 values, compared exactly. */
  readonly thumbprints: ReadonlySet<string>;
}

export type AllowVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const ALLOWED: AllowVerdict = Object.freeze({ ok: true });

/** Normalize every entry once. Throws on an entry that cannot be normalized (see allowRuleProblems). */
export function compileAllow(rules: AllowRules): CompiledAllow {
  return Object.freeze({
    subjectDN: new Set(rules.subjectDN.map((dn) => normalizeDN(dn))),
    sanDNS: new Set(rules.sanDNS.map(normalizeDnsName)),
    sanURI: new Set(rules.sanURI),
    sanEmail: new Set(rules.sanEmail.map(normalizeEmail)),
    sanIP: new Set(
      rules.sanIP.map((ip) => {
        const canonical = canonicalIp(ip);
        if (canonical === undefined) throw new Error(`not an IP address: ${ip}`);
        return canonical;
      }),
    ),
    thumbprints: new Set(rules.thumbprints),
  });
}

/** Config-time findings, one per bad entry, keyed like `subjectDN[0]`. Empty when compileAllow will succeed. */
export function allowRuleProblems(rules: AllowRules): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  rules.subjectDN.forEach((dn, i) => {
    try {
      normalizeDN(dn);
    } catch (err) {
      problems.push({ key: `subjectDN[${i}]`, message: (err as Error).message });
    }
  });
  rules.sanIP.forEach((ip, i) => {
    if (canonicalIp(ip) === undefined) problems.push({ key: `sanIP[${i}]`, message: `expected an IPv4 or IPv6 address, got "${ip}"` });
  });
  rules.thumbprints.forEach((t, i) => {
    if (!/^[A-Za-z0-9_-]{43}$/.test(t)) {
      problems.push({ key: `thumbprints[${i}]`, message: 'expected an x5t#S256 value: 43 base64url characters, no padding' });
    }
  });
  return problems;
}

/**
 * Does the identity pass the allow list? Names (subject, SANs) count only for a verified
 * certificate: anyone can self-sign a certificate with any name. A pinned thumbprint also
 * matches an unverified certificate (optional_no_ca), since the handshake proved key possession.
 * Reasons are safe to show to the client: they never echo the allow list.
 */
export function checkAllow(identity: ClientIdentity, allow: CompiledAllow): AllowVerdict {
  const cert = identity.certificate;
  if (!cert) return { ok: false, reason: 'a client certificate is required' };
  if (allow.thumbprints.has(cert.x5tS256)) return ALLOWED;
  if (identity.verify !== 'SUCCESS') {
    return { ok: false, reason: 'client certificate is not verified and is not pinned for this route' };
  }
  if (allow.subjectDN.size > 0 && allow.subjectDN.has(normalizedSubject(cert))) return ALLOWED;
  if (cert.san.dns.some((d) => allow.sanDNS.has(normalizeDnsName(d)))) return ALLOWED;
  if (cert.san.uri.some((u) => allow.sanURI.has(u))) return ALLOWED;
  if (cert.san.email.some((e) => allow.sanEmail.has(normalizeEmail(e)))) return ALLOWED;
  // describeCertificate already prints SAN IPs canonically.
  if (cert.san.ip.some((ip) => allow.sanIP.has(ip))) return ALLOWED;
  return { ok: false, reason: 'client certificate is not allowed on this route' };
}

// Once per certificate, not per request: ClientCertificate objects are cached per connection.
const subjectKeys = new WeakMap<ClientCertificate, string>();
function normalizedSubject(cert: ClientCertificate): string {
  let key = subjectKeys.get(cert);
  if (key === undefined) {
    key = normalizeDN(cert.subjectDN);
    subjectKeys.set(cert, key);
  }
  return key;
}

/** DNS names compare case-insensitively (RFC 4343), without a trailing dot, as A-labels. */
function normalizeDnsName(name: string): string {
  const trimmed = name.trim().replace(/\.$/, '');
  return (domainToASCII(trimmed) || trimmed).toLowerCase();
}

/** The domain of an email address is case-insensitive; the local part is not (RFC 5321 section 2.4). */
function normalizeEmail(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : address.slice(0, at) + address.slice(at).toLowerCase();
}
