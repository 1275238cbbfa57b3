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
