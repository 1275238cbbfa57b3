import { describe, expect, it } from 'vitest';
import { notificationTypes } from '../../notifications/registry.js';
import { fixtureContext } from '../render-fixtures.js';
import { renderNotification } from '../render-notification.js';
import { webhookBodyJsonSchema, webhookBodySchema } from './webhook-body.js';

describe('webhook body schema', () => {
  it('describes the body every type actually sends', async () => {
    const schema = webhookBodySchema();
    for (const type of notificationTypes()) {
      const body = await renderNotification(type, 'webhook', type.sample(), fixtureContext());
      const parsed = schema.safeParse(body);
      expect(parsed.success, `${type.id}: ${parsed.error?.message}`).toBe(true);
    }
  });

  it('has the shape of DESIGN.md §4 for issue alerts', async () => {
    const alert = notificationTypes().find((t) => t.id === 'issue_alert')!;
    const body = await renderNotification(alert, 'webhook', alert.sample(), fixtureContext());
    expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
    expect(body.data).toMatchObject({
      notificationId: fixtureContext().notificationId,
      organization: { slug: 'acme' },
      project: { slug: 'checkout-api' },
      issue: {
        id: expect.any(String),
        title: expect.any(String),
        status: 'unresolved',
        level: 'error',
        url: expect.any(String),
      },
      event: { eventId: expect.any(String) },
      rules: [{ id: expect.any(String), name: expect.any(String) }, expect.anything()],
    });
  });

  it('converts to JSON Schema for OpenAPI', () => {
    const json = JSON.stringify(webhookBodyJsonSchema());
    expect(json).toContain('"issue_alert"');
    expect(json).toContain('"notificationId"');
  });
});
