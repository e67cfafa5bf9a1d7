// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 §7.1.1).
// Extensions are ignored, but validated so the gateway never accepts a chunk line that a strict
// parser downstream or upstream would read differently. Whitespace (BWS) is refused: stricter
// than the RFC, and no real server sends it.
import { FIELD_VALUE, TOKEN } from './http-chars.js';

export const ChunkExtension = {
  /** bytes [i, e) of b, starting at the first byte after the chunk size */
  valid(b: Buffer, i: number, e: number): boolean {
    while (i < e) {
      if (b[i] !== 0x3b) return false; // ';'
      i++;
      const nameStart = i;
      while (i < e && TOKEN[b[i]!] === 1) i++;
      if (i === nameStart) return false;
      if (i < e && b[i] === 0x3d) {
        i++;
        if (i < e && b[i] === 0x22) {
          i = quotedString(b, i + 1, e);
          if (i < 0) return false;
        } else {
          const valueStart = i;
          while (i < e && TOKEN[b[i]!] === 1) i++;
          if (i === valueStart) return false;
        }
      }
    }
    return true;
  },
};

/** Returns the index after the closing quote, or -1. */
function quotedString(b: Buffer, i: number, e: number): number {
  while (i < e) {
    const c = b[i]!;
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (i + 1 >= e || FIELD_VALUE[b[i + 1]!] === 0) return -1;
      i += 2;
      continue;
    }
    if (FIELD_VALUE[c] === 0) return -1;
    i++;
  }
  return -1;
}
