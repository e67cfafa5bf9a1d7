// Dotted OIDs with arcs of any size. asn1js prints an arc above 2^53 as `{hex}` and Number()
// rounds it, so a certificate could carry an attribute type no later stage can read back or
// compare (issue 7: such a subject made the allow check throw). Arcs are kept as decimal
// strings, computed with BigInt.

/** The dotted form of an OBJECT IDENTIFIER's content octets (X.690 section 8.19); undefined if malformed. */
export function oidFromContent(content: Uint8Array): string | undefined {
  if (content.length === 0) return undefined;
  const arcs: bigint[] = [];
  let value = 0n;
  let pending = false;
  for (const byte of content) {
    // A leading 0x80 octet is not minimal (X.690 8.19.2); DER forbids it.
    if (!pending && byte === 0x80) return undefined;
    value = (value << 7n) | BigInt(byte & 0x7f);
    pending = (byte & 0x80) !== 0;
    if (!pending) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (pending) return undefined;
  // The first subidentifier packs two arcs: X*40+Y, with X in 0..2 (X.690 8.19.4).
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

const NUMERIC_OID = /^\d+(?:\.\d+)+$/;

/** A dotted OID written by a person, with leading zeros dropped from each arc; undefined if not dotted decimal. */
export function canonicalOid(text: string): string | undefined {
  if (!NUMERIC_OID.test(text)) return undefined;
  return text
    .split('.')
    .map((arc) => BigInt(arc).toString())
    .join('.');
}
