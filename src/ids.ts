import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * A new identifier: a prefix, then 48 bits of time and 80 random bits in Crockford base32, so ids sort by
 * creation time (cursor pagination relies on that) and never collide in practice.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  // Written into one buffer and read out as one string: built a character at a time, an id was 27
  // strings joined (about a kilobyte of garbage, several ids an event).
  if (prefix.length > MAX_PREFIX) return `${prefix}_${newId('', now).slice(1)}`;
  let at = ID_TEXT.write(prefix, 0, 'latin1');
  ID_TEXT[at++] = UNDERSCORE;
  fillTimeOrdered(ID_BYTES, now);
  at = base32Into(ID_BYTES, ID_TEXT, at);
  return ID_TEXT.toString('latin1', 0, at);
}

/**
 * 16 bytes that sort by creation time: 48 bits of `now` in milliseconds, then 80 random bits. Ids made
 * from them are appended to the indexes they are stored in instead of landing on a random page each.
 */
export function timeOrderedBytes(now: number): Buffer {
  return fillTimeOrdered(Buffer.allocUnsafe(16), now);
}

/** A UUID version 7 (RFC 9562: 48 bits of Unix milliseconds, then random bits) as 32 hex characters. */
export function uuidV7Hex(now: number = Date.now()): string {
  const id = timeOrderedBytes(now);
  id[6] = 0x70 | (id[6]! & 0x0f); // version 7
  id[8] = 0x80 | (id[8]! & 0x3f); // variant 10
  return id.toString('hex');
}

function fillTimeOrdered(bytes: Buffer, now: number): Buffer {
  bytes.writeUIntBE(now, 0, 6);
  if (poolOffset + 10 > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  pool.copy(bytes, 6, poolOffset, poolOffset + 10);
  poolOffset += 10;
  return bytes;
}

const MAX_PREFIX = 32;
const UNDERSCORE = 0x5f;
const ID_BYTES = Buffer.allocUnsafe(16);
/** A prefix, `_` and 26 characters of base32 (16 bytes). */
const ID_TEXT = Buffer.allocUnsafe(MAX_PREFIX + 1 + 26);

// Random bytes are drawn from the system a few kilobytes at a time: the pipeline makes several ids per
// event, and one call into the system's generator costs more than building the id around it. Each
// byte of the pool is used once.
const POOL_BYTES = 4_000;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

const ALPHABET = Buffer.from('0123456789abcdefghjkmnpqrstvwxyz', 'latin1');

/** Writes `bytes` in Crockford base32 into `out` from `at`; returns where it ended. */
function base32Into(bytes: Buffer, out: Buffer, at: number): number {
  let bits = 0;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    value = ((value << 8) | bytes[i]!) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out[at++] = ALPHABET[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
  }
  if (bits > 0) out[at++] = ALPHABET[(value << (5 - bits)) & 31]!;
  return at;
}

/** A random secret token with a readable prefix (`hrld_…`), 32 bytes of entropy. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
