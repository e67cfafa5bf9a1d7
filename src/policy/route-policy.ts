// A route's `allow` list: which client certificates may use the route. A certificate matching ANY
// entry passes. Entries are normalized once at config time (compileAllow) so the per-request
// check (checkAllow) is a few Set lookups.
import { domainToASCII } from 'node:url';
import type { AllowRules } from './config.js';
import type { ClientCertificate, ClientIdentity } from '../identity/types.js';
import { normalizeDN } from '../x509/distinguished-name.js';
import { canonicalIp } from '../x509/ip-address.js';

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

type AllowRuleKey = keyof AllowRules;

/**
 * How one entry of each kind is normalised for matching. Throws on an entry that cannot be;
 * the config loader runs this very function on every entry (allowEntryProblem in allow-entries.ts), so an
 * entry `check` accepts can never fail here at runtime.
 */
export function compileAllowEntry(key: AllowRuleKey, entry: string): string {
  switch (key) {
    case 'subjectDN':
      return normalizeDN(entry);
    case 'sanDNS':
      return normalizeDnsName(entry);
    case 'sanEmail':
      return normalizeEmail(entry);
    case 'sanIP': {
      const canonical = canonicalIp(entry);
      if (canonical === undefined) throw new Error(`not an IP address: ${entry}`);
      return canonical;
    }
    case 'sanURI':
    case 'thumbprints':
      return entry;
  }
}

/** Normalize every entry once, when the config loads. Throws on an entry compileAllowEntry refuses. */
export function compileAllow(rules: AllowRules): CompiledAllow {
  const set = (key: AllowRuleKey): ReadonlySet<string> => new Set(rules[key].map((entry) => compileAllowEntry(key, entry)));
  return Object.freeze({
    subjectDN: set('subjectDN'),
    sanDNS: set('sanDNS'),
    sanURI: set('sanURI'),
    sanEmail: set('sanEmail'),
    sanIP: set('sanIP'),
    thumbprints: set('thumbprints'),
  });
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
// Matches no compiled subjectDN entry (those come from normalizeDN and never hold a NUL).
const UNMATCHABLE = '\u0000';
function normalizedSubject(cert: ClientCertificate): string {
  let key = subjectKeys.get(cert);
  if (key === undefined) {
    // formatDN output always parses back (test/x509/distinguished-name-roundtrip.test.ts);
    // should a certificate ever defeat that, it matches no DN rule instead of throwing.
    try {
      key = normalizeDN(cert.subjectDN);
    } catch {
      key = UNMATCHABLE;
    }
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
