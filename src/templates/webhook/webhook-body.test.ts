import { describe, expect, it } from 'vitest';
import { jsonSchemaValidator } from '../../../test/helpers/json-schema.js';
import { notificationTypes } from '../../notifications/registry.js';
import { fixtureContext } from '../render-fixtures.js';
import { renderNotification } from '../render-notification.js';
import {
  WEBHOOK_BODY_VERSION,
  webhookBodyJsonSchema,
  webhookBodyJsonSchemaOf,
  webhookBodySchema,
} from './webhook-body.js';

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
    expect(Object.keys(body)).toEqual(['type', 'version', 'timestamp', 'data']);
    expect(body.version).toBe(WEBHOOK_BODY_VERSION);
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

  it('as JSON Schema, accepts the body every type sends, and fields added at any level', async () => {
    for (const type of notificationTypes()) {
      const schema = webhookBodyJsonSchemaOf(type);
      // It stands alone: inside an OpenAPI document, `#` is the document's root, not the schema's.
      expect(JSON.stringify(schema), type.id).not.toContain('$ref');
      const validate = jsonSchemaValidator(schema);
      const body = await renderNotification(type, 'webhook', type.sample(), fixtureContext());
      expect(validate(body), type.id).toEqual([]);
      const organization = body.data['organization'] as object | undefined;
      const grown = {
        ...body,
        deliveredBy: 'herald-2',
        data: { ...body.data, ...(organization && { organization: { ...organization, plan: 'team' } }) },
      };
      expect(validate(grown), `${type.id} with added fields`).toEqual([]);
      expect(validate({ ...body, type: 'other' }), type.id).toContain('/type must be equal to constant');
      const { version: _version, ...unversioned } = body;
      expect(validate(unversioned), type.id).toContain("/ must have required property 'version'");
    }
  });
});
