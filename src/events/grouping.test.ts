import { describe, expect, it } from 'vitest';
import { eventSchema, normalizeEvent } from './event-schema.js';
import { groupEvent, normalizeMessage } from './grouping.js';

const event = (payload: unknown) => normalizeEvent(eventSchema.parse(payload), Date.now());
const group = (payload: unknown) => groupEvent(event(payload));

const frame = (fn: string, inApp: boolean, module = 'app') => ({
  function: fn,
  module,
  in_app: inApp,
  lineno: 1,
});
const error = (type: string, value: string, frames: object[]) => ({
  platform: 'python',
  exception: { values: [{ type, value, stacktrace: { frames } }] },
});

describe('grouping', () => {
  it('groups exceptions by type and in-app frames, not by value or line numbers', () => {
    const a = group(error('KeyError', "'id'", [frame('lib', false, 'requests'), frame('load', true)]));
    const b = group(
      error('KeyError', "'name'", [
        frame('other_lib', false, 'urllib'),
        { ...frame('load', true), lineno: 99 },
      ]),
    );
    const c = group(error('ValueError', "'id'", [frame('load', true)]));
    const d = group(error('KeyError', "'id'", [frame('save', true)]));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
    expect(a.fingerprint).not.toBe(d.fingerprint);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('uses every frame when none is in-app, and the value when there are no frames', () => {
    const a = group(error('E', 'x', [frame('one', false), frame('two', false)]));
    const b = group(error('E', 'x', [frame('one', false), frame('three', false)]));
    expect(a.fingerprint).not.toBe(b.fingerprint);
    const noFrames1 = group(error('E', 'user 12 missing', []));
    const noFrames2 = group(error('E', 'user 13 missing', []));
    const noFrames3 = group(error('E', 'cart missing', []));
    expect(noFrames1.fingerprint).toBe(noFrames2.fingerprint);
    expect(noFrames1.fingerprint).not.toBe(noFrames3.fingerprint);
  });

  it('groups messages with numbers, hex ids, UUIDs and emails normalized', () => {
    const one = group({
      message: 'Order 1234 for bob@example.com failed: 0x1f3a, 3fa85f64-5717-4562-b3fc-2c963f66afa6',
    });
    const two = group({
      message: 'Order 99 for ann@shop.test failed: 0xdead, 9b2e6d1c-0c1f-4f7e-9d0a-1b2c3d4e5f60',
    });
    expect(one.fingerprint).toBe(two.fingerprint);
    expect(one.fingerprint).not.toBe(group({ message: 'Order 1234 was refunded' }).fingerprint);
    expect(
      normalizeMessage('user 42 at 10.0.0.1 hash deadbeef01 id 3fa85f64-5717-4562-b3fc-2c963f66afa6'),
    ).toBe('user <num> at <ip> hash <hex> id <uuid>');
  });

  it('honours an explicit fingerprint, and {{ default }} expands to the default grouping', () => {
    const base = error('E', 'x', [frame('load', true)]);
    const plain = group(base);
    expect(group({ ...base, fingerprint: ['{{ default }}'] }).fingerprint).toBe(plain.fingerprint);
    expect(group({ ...base, fingerprint: ['{{default}}'] }).fingerprint).toBe(plain.fingerprint);
    const split = group({ ...base, fingerprint: ['{{ default }}', 'tenant-a'] });
    const splitB = group({ ...base, fingerprint: ['{{ default }}', 'tenant-b'] });
    expect(split.fingerprint).not.toBe(plain.fingerprint);
    expect(split.fingerprint).not.toBe(splitB.fingerprint);
    const custom1 = group({ message: 'a', fingerprint: ['database-down'] });
    const custom2 = group({ message: 'b', fingerprint: ['database-down'] });
    expect(custom1.fingerprint).toBe(custom2.fingerprint);
    const byTransaction = (t: string) =>
      group({ message: 'x', transaction: t, fingerprint: ['{{ transaction }}'] });
    expect(byTransaction('/a').fingerprint).not.toBe(byTransaction('/b').fingerprint);
  });

  it("derives Sentry's title, culprit and category", () => {
    const python = group(
      error('KeyError', "'id'\nmore", [frame('load', true, 'app.models'), frame('lib', false, 'requests')]),
    );
    expect(python).toMatchObject({
      title: "KeyError: 'id'",
      culprit: 'app.models in load',
      category: 'error',
    });
    const node = group({
      platform: 'node',
      exception: [
        {
          type: 'TypeError',
          value: 'x is undefined',
          stacktrace: { frames: [{ function: 'pay', filename: '/srv/pay.js', in_app: true }] },
        },
      ],
    });
    expect(node).toMatchObject({ title: 'TypeError: x is undefined', culprit: 'pay(/srv/pay.js)' });
    expect(group({ message: 'Disk full\nsecond line', transaction: 'GET /upload' })).toMatchObject({
      title: 'Disk full',
      culprit: 'GET /upload',
    });
    expect(group({ type: 'transaction', transaction: 'GET /slow' })).toMatchObject({
      title: 'GET /slow',
      category: 'performance',
    });
    expect(group({}).title).toBe('<unlabeled event>');
  });
});
