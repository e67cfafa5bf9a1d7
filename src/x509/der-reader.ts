// A minimal, strict DER reader for the few structures certgate walks itself (certificates, CRLs,
// OCSP responses). Why not asn1js: a 100,000-entry CRL is ~500,000 ASN.1 nodes; asn1js stops at
// 10,000 by default and pkijs needs ~10 s for it. Every read is bounds-checked against its parent
// and throws DerError, so truncated or corrupted input fails cleanly instead of crashing.

export class DerError extends Error {
  readonly code = 'ERR_DER_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One TLV: tag byte, and the [start,end) offsets of the whole element and of its contents. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads the TLV at `pos`, which must end at or before `limit`. Only definite, minimal lengths (DER). */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError(`truncated header at ${pos}`);
  const tag = buf[pos]!;
  // High-tag-number form never appears in the structures we read; refusing it keeps the reader small.
  if ((tag & 0x1f) === 0x1f) throw new DerError(`unsupported high tag number at ${pos}`);
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at ${pos} (not DER)`);
    if (n > 4) throw new DerError(`length too long at ${pos}`);
    if (p + n > limit) throw new DerError(`truncated length at ${pos}`);
    if (buf[p] === 0) throw new DerError(`non-minimal length at ${pos}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    if (len < 0x80) throw new DerError(`non-minimal length at ${pos}`);
    p += n;
  }
  const end = p + len;
  if (end > limit) throw new DerError(`element at ${pos} overruns its parent (${end} > ${limit})`);
  return { tag, start: pos, contentStart: p, end };
}

function expectTag(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${t.tag.toString(16)} at ${t.start}`);
  return t;
}

/** Iterates the children of a constructed element in order. */
export class DerCursor {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    readonly parent: Tlv,
  ) {
    this.pos = parent.contentStart;
  }
  get done(): boolean {
    return this.pos >= this.parent.end;
  }
  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }
  next(what: string, tag?: number): Tlv {
    if (this.done) throw new DerError(`${what}: missing (end of parent at ${this.parent.end})`);
    const t = readTlv(this.buf, this.pos, this.parent.end);
    this.pos = t.end;
    return tag === undefined ? t : expectTag(t, tag, what);
  }
  /** Reads the next element only when its tag is `tag` (OPTIONAL / DEFAULT fields). */
  optional(tag: number): Tlv | undefined {
    if (this.peekTag() !== tag) return undefined;
    return this.next('optional', tag);
  }
}

export function children(buf: Uint8Array, parent: Tlv): DerCursor {
  return new DerCursor(buf, parent);
}

export function bytes(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.contentStart, t.end - t.contentStart);
}

export function whole(buf: Uint8Array, t: Tlv): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + t.start, t.end - t.start);
}

const DOTTED_CACHE = new Map<string, string>();

/** OID contents → dotted string. Cached: the same handful of OIDs repeat in every CRL entry. */
export function readOid(buf: Uint8Array, t: Tlv): string {
  expectTag(t, TAG.OID, 'OBJECT IDENTIFIER');
  const key = Buffer.from(buf.buffer, buf.byteOffset + t.contentStart, t.end - t.contentStart).toString('latin1');
  const hit = DOTTED_CACHE.get(key);
  if (hit !== undefined) return hit;
  if (t.end === t.contentStart) throw new DerError('empty OID');
  const parts: number[] = [];
  let v = 0;
  for (let i = t.contentStart; i < t.end; i++) {
    const b = buf[i]!;
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    } else if (i === t.end - 1) throw new DerError('truncated OID');
  }
  const dotted = parts.join('.');
  if (DOTTED_CACHE.size < 1000) DOTTED_CACHE.set(key, dotted);
  return dotted;
}

/** UTCTime / GeneralizedTime in the RFC 5280 DER profile (Z, seconds present, no fractions for UTCTime). */
export function readTime(buf: Uint8Array, t: Tlv): Date {
  const s = Buffer.from(buf.buffer, buf.byteOffset + t.contentStart, t.end - t.contentStart).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === TAG.UTC_TIME) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DerError(`bad UTCTime ${JSON.stringify(s)}`);
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy; // RFC 5280 4.1.2.5.1
  } else if (t.tag === TAG.GENERALIZED_TIME) {
    m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/.exec(s);
    if (!m) throw new DerError(`bad GeneralizedTime ${JSON.stringify(s)}`);
    year = Number(m[1]);
  } else throw new DerError(`expected a time at ${t.start}`);
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(d.getTime()) || d.getUTCMonth() !== Number(m[2]) - 1) throw new DerError(`invalid date ${s}`);
  return d;
}

export function isTime(tag: number | undefined): boolean {
  return tag === TAG.UTC_TIME || tag === TAG.GENERALIZED_TIME;
}

/**
 * Canonical key for a certificate serial number: lower-case hex of the minimal two's-complement
 * INTEGER contents. Redundant leading zero bytes (non-DER encoders) are dropped, but the sign
 * byte is kept: 00 FF (255) and FF (-1) are different serials (PKITS 4.4.14).
 */
export function serialKey(content: Uint8Array, start = 0, end = content.length): string {
  if (end <= start) throw new DerError('empty INTEGER');
  let s = start;
  while (s < end - 1 && content[s] === 0 && content[s + 1]! < 0x80) s++;
  return Buffer.from(content.buffer, content.byteOffset + s, end - s).toString('hex');
}

/** DER encoding of a TLV with the given tag around `content`. */
export function encodeTlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
