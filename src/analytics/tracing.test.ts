import { describe, expect, it } from 'vitest';
import { registerMemoryTracer } from '../../test/helpers/memory-tracer.js';
import { inSpan } from './tracing.js';

describe('spans around units of work', () => {
  it('without an SDK, runs the work with a span that records nothing, its answer and failure as they are', async () => {
    let asked = 0;
    const attributes = () => {
      asked++;
      return { 'herald.id': 'x' };
    };
    expect(
      await inSpan('herald.test', attributes, async (span) => {
        span.setAttribute('herald.more', 1);
        return span.isRecording();
      }),
    ).toBe(false);
    await expect(
      inSpan('herald.test', attributes, async () => {
        throw new Error('send failed');
      }),
    ).rejects.toThrow('send failed');
    // A synchronous throw is a rejection too, as it is inside a span.
    await expect(
      inSpan('herald.test', attributes, () => {
        throw new Error('thrown at once');
      }),
    ).rejects.toThrow('thrown at once');
    expect(asked).toBe(0);
  });

  it('once an SDK registered a tracer provider, every unit gets its span with its attributes and outcome', async () => {
    const { spans } = registerMemoryTracer();
    expect(
      await inSpan(
        'herald.ok',
        () => ({ 'herald.id': 'a' }),
        async () => 42,
      ),
    ).toBe(42);
    await expect(
      inSpan(
        'herald.failed',
        () => ({ 'herald.id': 'b' }),
        async () => {
          throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
    expect(spans).toEqual([
      { name: 'herald.ok', attributes: { 'herald.id': 'a' }, status: null, ended: true },
      {
        name: 'herald.failed',
        attributes: { 'herald.id': 'b' },
        status: { code: 2, message: 'boom' },
        ended: true,
      },
    ]);
  });
});
