import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * A new identifier: a prefix, then 48 bits of time and 80 random bits in Crockford base32, so ids sort by
 * creation time (cursor pagination relies on that) and never collide in practice.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${base32(timeOrderedBytes(now))}`;
}

/**
 * 16 bytes that sort by creation time: 48 bits of `now` in milliseconds, then 80 random bits. Ids made
 * from them are appended to the indexes they are stored in instead of landing on a random page each.
 */
export function timeOrderedBytes(now: number): Buffer {
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  if (poolOffset + 10 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(bytes, 6, poolOffset, poolOffset + 10);
  poolOffset += 10;
  return bytes;
}

// Random bytes are drawn from the system a few kilobytes at a time: the pipeline makes several ids per
// event, and one call into the system's generator costs more than building the id around it. Each
// byte of the pool is used once.
const POOL_BYTES = 4_000;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** A random secret token with a readable prefix (`hrld_…`), 32 bytes of entropy. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
