import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.js';

/** A promise with its resolver outside. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit of single events', () => {
  it('starts a second group while the first waits for its commit, and a third only when one ended', async () => {
    const groups: number[][] = [];
    const gates: ReturnType<typeof gate>[] = [];
    const add = groupCommit(async (items: readonly number[]) => {
      groups.push([...items]);
      const waiting = gate();
      gates.push(waiting);
      await waiting.promise;
      return items.map((n) => n * 10);
    });
    const first = add(1);
    await turn();
    const second = [add(2), add(3)];
    await turn();
    const third = add(4);
    await turn();
    // Events 2 and 3 went together into the second group, 4 waits for a free one.
    expect(groups).toEqual([[1], [2, 3]]);
    gates[0]!.open();
    expect(await first).toBe(10);
    await turn();
    expect(groups).toEqual([[1], [2, 3], [4]]);
    gates[1]!.open();
    gates[2]!.open();
    expect(await Promise.all([...second, third])).toEqual([20, 30, 40]);
  });

  it('retries the events of a failed group one by one, so one bad event fails alone', async () => {
    const add = groupCommit(async (items: readonly number[]) => {
      if (items.includes(13)) throw new Error('unlucky');
      return items.map((n) => n + 1);
    });
    const results = await Promise.allSettled([add(1), add(13), add(2)]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'failed'))).toEqual([2, 'failed', 3]);
  });
});
