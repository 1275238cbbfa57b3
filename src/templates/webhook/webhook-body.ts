import { z } from 'zod';
import { notificationTypes, type RegisteredType } from '../../notifications/registry.js';

/** Version of the webhook body's shape; bumped only for a breaking change. */
export const WEBHOOK_BODY_VERSION = 1;

/** The body of one type's webhook: its id, when it fired, and its payload with the notification id. */
export function webhookBodySchemaOf(type: RegisteredType) {
  return z
    .object({
      type: z.literal(type.id),
      timestamp: z.iso.datetime({ offset: true }).describe('When the notification fired'),
      data: z.intersection(
        z.object({ notificationId: z.string().describe('Stable id of the notification; dedupe by it') }),
        type.payloadSchema,
      ),
    })
    .describe(`Webhook body of \`${type.id}\` notifications (version ${WEBHOOK_BODY_VERSION})`);
}

/**
 * Every webhook body Herald sends (DESIGN.md §4), one variant per registered type, told apart by
 * `type`: the schema that goes into OpenAPI and that receivers can validate against.
 */
export function webhookBodySchema() {
  const [first, ...rest] = notificationTypes().map(webhookBodySchemaOf);
  return z.discriminatedUnion('type', [first!, ...rest]).meta({ id: 'WebhookBody' });
}

/** The webhook body as JSON Schema (payload transforms such as the digest's sorting are left out). */
export function webhookBodyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(webhookBodySchema(), { io: 'output', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
}
