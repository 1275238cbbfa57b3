import { describe, expect, it } from 'vitest';
import { abortedByRace, retryingRaces } from './races.js';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('transactions PostgreSQL aborts to settle a race', () => {
  it('are run again after a deadlock or a serialization failure, and answer what the run again answers', async () => {
    const codes = ['40P01', '40001'];
    let runs = 0;
    const answer = await retryingRaces(async () => {
      runs++;
      if (runs <= codes.length) throw pgError(codes[runs - 1]!);
      return 'written';
    });
    expect(answer).toBe('written');
    expect(runs).toBe(3);
  });

  it('give up after the attempts they are allowed, with the last error', async () => {
    let runs = 0;
    await expect(
      retryingRaces(async () => {
        runs++;
        throw pgError('40P01');
      }, 2),
    ).rejects.toThrow('pg 40P01');
    expect(runs).toBe(2);
  });

  it('leave every other error to the caller at once', async () => {
    let runs = 0;
    await expect(
      retryingRaces(async () => {
        runs++;
        throw pgError('23505');
      }),
    ).rejects.toThrow('pg 23505');
    expect(runs).toBe(1);
    expect(abortedByRace(new Error('plain'))).toBe(false);
    expect(abortedByRace(null)).toBe(false);
  });
});
