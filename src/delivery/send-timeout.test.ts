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
    await vi.advanceTimersByTimeAsync(1);
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
});
