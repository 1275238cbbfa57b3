import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWebhookContent, webhookContentSchema } from './webhook-content.js';

/** A text field: valid, empty, of another type, or missing. */
const text = fc.oneof(fc.string({ minLength: 1 }), fc.constant(''), fc.integer(), fc.constant(undefined));
/** Values near the body's shape: each field valid or wrong in one of the ways a render can get it wrong. */
const candidate = fc.oneof(
  fc.record({
    type: text,
    timestamp: text,
    data: fc.oneof(
      fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }),
      fc.array(fc.jsonValue(), { maxLength: 3 }),
      fc.constant(null),
      fc.constant(new Date(0)),
      fc.constant(undefined),
      fc.string(),
    ),
    extra: fc.jsonValue(),
  }),
  fc.jsonValue(),
);

describe('webhook content', () => {
  it('the written-out check accepts only what the schema accepts, and the schema gives it back equal', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        const parsed = webhookContentSchema.safeParse(value);
        if (isWebhookContent(value)) {
          expect(parsed.success).toBe(true);
          expect(parsed.data).toEqual(value);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts what the built-in renderer makes', () => {
    expect(
      isWebhookContent({ type: 'issue_alert', timestamp: '2026-01-01T00:00:00.000Z', data: { id: 'x' } }),
    ).toBe(true);
  });
});
