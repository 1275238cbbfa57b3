import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('makes distinct ids, past many refills of its random pool', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('ntf', 1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^ntf_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('sorts ids by creation time', () => {
    const times = [1_600_000_000_000, 1_600_000_000_001, 1_700_000_000_000, 1_800_000_000_000];
    const ids = times.map((t) => newId('dlv', t));
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('newId prefixes', () => {
  it('keeps any prefix, however long, before the underscore', () => {
    const long = 'p'.repeat(40);
    expect(newId(long, 1_700_000_000_000)).toMatch(new RegExp(`^${long}_[0-9a-hjkmnp-tv-z]{26}$`));
    expect(newId('', 1_700_000_000_000)).toMatch(/^_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('writes the time in its first ten characters, as Crockford base32 of its 48 bits', () => {
    const now = 1_700_000_000_123;
    const time = newId('evt', now).slice(4, 14);
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    // 48 bits make 9 characters and 3 bits of the tenth, whose other 2 bits are random.
    const value = [...time.slice(0, 9)].reduce((v, c) => v * 32 + alphabet.indexOf(c), 0);
    expect(value * 8 + (alphabet.indexOf(time[9]!) >> 2)).toBe(now);
  });
});
