import { z } from 'zod';
import { notificationTypes, type RegisteredType } from '../../notifications/registry.js';
import { WEBHOOK_BODY_VERSION } from './webhook-renderer.js';

export { WEBHOOK_BODY_VERSION };

/** The body of one type's webhook: its id, the body's version, when it fired, and its payload. */
export function webhookBodySchemaOf(type: RegisteredType) {
  return z
    .object({
      type: z.literal(type.id),
      version: z
        .literal(WEBHOOK_BODY_VERSION)
        .describe('Version of the body’s shape; a new one only for a breaking change'),
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
 * `type`: the schema receivers can validate against.
 */
export function webhookBodySchema() {
  const [first, ...rest] = notificationTypes().map(webhookBodySchemaOf);
  return z.discriminatedUnion('type', [first!, ...rest]).meta({ id: 'WebhookBody' });
}

/** A JSON Schema document, as zod writes it. */
export type JsonSchema = Record<string, unknown>;

/** The webhook body as JSON Schema (see {@link receiverJsonSchema}). */
export function webhookBodyJsonSchema(): JsonSchema {
  return receiverJsonSchema(webhookBodySchema());
}

/** One type's webhook body as JSON Schema (see {@link receiverJsonSchema}): what OpenAPI documents. */
export function webhookBodyJsonSchemaOf(type: RegisteredType): JsonSchema {
  return receiverJsonSchema(webhookBodySchemaOf(type));
}

/**
 * The metadata of zod's global registry (the descriptions) without the ids: a payload schema registered
 * under an id would become a `$ref` into the schema's own `$defs`, which a schema embedded in an OpenAPI
 * document cannot reach (`#` is the document's root there).
 */
class DescriptionsOnly extends z.core.$ZodRegistry<z.core.GlobalMeta> {
  override get<S extends z.core.$ZodType>(schema: S) {
    const meta = z.globalRegistry.get(schema);
    if (meta?.id === undefined) return meta;
    const described = { ...meta };
    delete described.id;
    return described;
  }
}

const descriptionsOnly = new DescriptionsOnly();

/**
 * `schema` as a receiver should read it: what Herald sends (output values; the digest's sorting and
 * other transforms are left out), self-contained, and open. Zod closes every object of an output
 * (`additionalProperties: false`); a receiver that validated with that would reject the next added field,
 * which by the body's version is not a breaking change, and two closed members of `data`'s intersection
 * would reject each other's keys.
 */
function receiverJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    io: 'output',
    unrepresentable: 'any',
    metadata: descriptionsOnly,
    override: ({ jsonSchema }) => {
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  }) as JsonSchema;
}
