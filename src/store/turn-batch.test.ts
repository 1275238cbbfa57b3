import { describe, expect, it } from 'vitest';
import { isolatedWrites, turnBatch } from './turn-batch.js';

describe('turnBatch', () => {
  function recorder(options?: { exclusive?: boolean; until?: 'immediate' }) {
    const loads: number[][] = [];
    const get = turnBatch(
      (n: number) => n,
      async (requests: readonly number[]) => {
        loads.push([...requests]);
        return new Map(requests.filter((n) => n >= 0).map((n) => [n, `v${n}`]));
      },
      options,
    );
    return { loads, get };
  }

  it('answers the requests of one synchronous run with one load', async () => {
    const { loads, get } = recorder();
    const answers = await Promise.all([get(1), get(2), get(3)]);
    expect(answers).toEqual(['v1', 'v2', 'v3']);
    expect(loads).toEqual([[1, 2, 3]]);
  });

  it('gathers again what the answered callers ask next', async () => {
    const { loads, get } = recorder();
    const chain = (n: number) => get(n).then(() => get(n + 10));
    expect(await Promise.all([chain(1), chain(2)])).toEqual(['v11', 'v12']);
    expect(loads).toEqual([
      [1, 2],
      [11, 12],
    ]);
  });

  it('gives a missing key undefined, and a repeated key the same value to every caller', async () => {
    const { loads, get } = recorder();
    expect(await Promise.all([get(4), get(-1), get(4)])).toEqual(['v4', undefined, 'v4']);
    expect(loads).toEqual([[4, -1]]);
  });

  it('exclusive: a key asked for twice in one batch goes to its first caller only', async () => {
    const { get } = recorder({ exclusive: true });
    expect(await Promise.all([get(4), get(5), get(4)])).toEqual(['v4', 'v5', undefined]);
  });

  it("until 'immediate': also gathers what later callbacks of the same turn ask", async () => {
    const loads: number[][] = [];
    const get = turnBatch(
      (n: number) => n,
      async (requests: readonly number[]) => {
        loads.push([...requests]);
        return new Map(requests.map((n) => [n, n]));
      },
      { until: 'immediate' },
    );
    // Two callbacks of one turn, as two network reads handled in one poll of the event loop. Immediates
    // queued together run in one check phase; two timers need not run in one turn (Node reads the clock
    // as it sets each, so a millisecond can pass between them and part them).
    const later = (n: number) => new Promise((resolve) => setImmediate(() => resolve(get(n))));
    const first = get(1);
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(await Promise.all([first, later(2), later(3)])).toEqual([1, 2, 3]);
    expect(loads[0]).toEqual([1]);
    expect(loads.slice(1)).toEqual([[2, 3]]);
  });

  it('a failed load fails every caller of its batch and not the next batch', async () => {
    let fail = true;
    const get = turnBatch(
      (n: number) => n,
      async (requests: readonly number[]) => {
        if (fail) throw new Error('database gone');
        return new Map(requests.map((n) => [n, n]));
      },
    );
    const first = await Promise.allSettled([get(1), get(2), get(1)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    fail = false;
    expect(await get(3)).toBe(3);
  });

  it('flush: runs the batch gathered so far at once; the next batch waits for its own time', async () => {
    const { loads, get } = recorder({ until: 'immediate' });
    const first = [get(1), get(2)];
    get.flush();
    expect(loads).toEqual([[1, 2]]);
    // Asked after the flush, in the same turn: gathered into a batch of its own, written when that turn
    // ends, not by the first batch's end of turn.
    const second = [get(3), get(4)];
    await Promise.resolve();
    expect(loads).toEqual([[1, 2]]);
    expect(await Promise.all([...first, ...second])).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(loads).toEqual([
      [1, 2],
      [3, 4],
    ]);
    get.flush();
    expect(loads).toHaveLength(2);
    // Flushed early with nothing asked after it: the end of its turn finds nothing to do.
    const lone = get(5);
    get.flush();
    expect(await lone).toBe('v5');
    await new Promise((resolve) => setImmediate(resolve));
    expect(loads).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('isolatedWrites', () => {
  it("writes a turn's items together; when that fails, each alone, so a bad item fails only its caller", async () => {
    const writes: number[][] = [];
    const write = isolatedWrites(async (group: readonly number[]) => {
      writes.push([...group]);
      if (group.includes(13)) throw new Error(`refused ${group.join(',')}`);
      return new Map(group.filter((n) => n !== 0).map((n) => [n, n * 10]));
    }, -1);
    const results = await Promise.allSettled([write(1), write(13), write(0), write(2)]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('refused 13') },
      // Answered nothing for: the value given for it.
      { status: 'fulfilled', value: -1 },
      { status: 'fulfilled', value: 20 },
    ]);
    expect(writes).toEqual([[1, 13, 0, 2], [1], [13], [0], [2]]);
    expect(await write(3)).toBe(30);
  });
});
