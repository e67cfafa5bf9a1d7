// IP addresses in one canonical text form, so a SAN iPAddress from a certificate and an address
// written in a config compare as strings: dotted quad for IPv4, RFC 5952 for IPv6 (lower case,
// leading zeros dropped, the first longest run of two or more zero groups written as "::").
import { isIPv4, isIPv6 } from 'node:net';

/** The canonical form of an address written as text, or undefined if it is not an IP address. */
export function canonicalIp(text: string): string | undefined {
  const t = text.trim();
  if (isIPv4(t))
    return t
      .split('.')
      .map((octet) => String(Number(octet)))
      .join('.');
  const bare = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  // Zone ids (fe80::1%eth0) never appear in certificates.
  if (!isIPv6(bare) || bare.includes('%')) return undefined;
  // The WHATWG URL serializer prints IPv6 hosts exactly as RFC 5952 section 4 recommends.
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** The canonical form of a SAN iPAddress (4 or 16 octets), or undefined for any other length. */
export function formatIpBytes(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return undefined;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalIp(groups.join(':'));
}
