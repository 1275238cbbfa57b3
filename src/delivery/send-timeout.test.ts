import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './send-timeout.js';

describe('send timeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('aborts a send that runs too long with a TimeoutError, as AbortSignal.timeout does', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    const sending = withTimeout(
      1_000,
      (signal) =>
        new Promise<never>((_resolve, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    );
    const outcome = sending.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(999);
    expect(seen?.aborted).toBe(false);
    // At most a hundredth of the timeout late.
    await vi.advanceTimersByTimeAsync(11);
    expect(await outcome).toMatchObject({ name: 'TimeoutError' });
    expect(seen?.reason).toBeInstanceOf(DOMException);
  });

  it('leaves no timer behind once the send is over', async () => {
    vi.useFakeTimers();
    let seen: AbortSignal | undefined;
    expect(
      await withTimeout(1_000, async (signal) => {
        seen = signal;
        return 'sent';
      }),
    ).toBe('sent');
    await expect(withTimeout(1_000, async () => Promise.reject(new Error('refused')))).rejects.toThrow(
      'refused',
    );
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(seen?.aborted).toBe(false);
  });

  it('gives sends that start together one signal, aborting only those still running at its time', async () => {
    vi.useFakeTimers();
    const signals: AbortSignal[] = [];
    const outcomes: Promise<unknown>[] = [];
    let finishFirst: (value: string) => void = () => undefined;
    outcomes.push(
      withTimeout(1_000, (signal) => {
        signals.push(signal);
        return new Promise<string>((resolve) => {
          finishFirst = resolve;
        });
      }),
    );
    outcomes.push(
      withTimeout(1_000, (signal) => {
        signals.push(signal);
        return new Promise<never>((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      }).catch((error: unknown) => error),
    );
    expect(signals[0]).toBe(signals[1]);
    finishFirst('sent');
    expect(await outcomes[0]).toBe('sent');
    // Within its hundredth of slack (10 ms here), never before the timeout.
    await vi.advanceTimersByTimeAsync(999);
    expect(signals[1]?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(11);
    expect(await outcomes[1]).toMatchObject({ name: 'TimeoutError' });
    expect(vi.getTimerCount()).toBe(0);
    // A send started later gets a signal of its own, not the aborted one.
    expect(await withTimeout(1_000, async (signal) => signal.aborted)).toBe(false);
  });

  it('warns of no listener leak when many sends share a signal', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const sends = Array.from({ length: 50 }, () =>
        withTimeout(60_000, async (signal) => {
          const listener = () => undefined;
          signal.addEventListener('abort', listener);
          await new Promise((resolve) => setTimeout(resolve, 5));
          signal.removeEventListener('abort', listener);
        }),
      );
      await Promise.all(sends);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
