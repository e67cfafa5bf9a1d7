// The RFC 9421 `nonce` of every signature: 128 random bits, base64url. Read from a pool refilled
// by one randomBytes call per 256 nonces, since a getrandom call per request costs more than
// slicing a buffer; the bits are the CSPRNG's either way and no slice is ever handed out twice.
import { randomBytes } from 'node:crypto';

const NONCE_BYTES = 16;
const POOL_BYTES = NONCE_BYTES * 256;

let pool = randomBytes(POOL_BYTES);
let offset = 0;

export function nextNonce(): string {
  if (offset === POOL_BYTES) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const nonce = pool.toString('base64url', offset, offset + NONCE_BYTES);
  offset += NONCE_BYTES;
  return nonce;
}
