import type { OpenAPIV3_2 } from '@fastify/swagger';
import { WEBHOOK_VERSION_HEADER } from '../delivery/channels/webhook/webhook-content.js';
import { notificationTypes, type RegisteredType } from '../notifications/registry.js';
import { WEBHOOK_BODY_VERSION, webhookBodyJsonSchemaOf } from '../templates/webhook/webhook-body.js';

/**
 * One entry of the document's `webhooks`: what Herald POSTs to a webhook integration. @fastify/swagger
 * names OpenAPI 3.1's shapes only through those of 3.2, which extend them.
 */
type WebhookPathItem = OpenAPIV3_2.PathItemObject;

/** The headers of every webhook POST: Standard Webhooks' three, and the body's version. */
const HEADERS = [
  {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description:
      'Id of the delivery, the same on every retry of it: a receiver drops a body whose id it has seen.',
    schema: { type: 'string', examples: ['dlv_01jq7zh5j6k7m8n9p0q1r2s3t4'] },
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description:
      'When this attempt was signed, in Unix seconds; a receiver refuses one far from its own clock.',
    schema: { type: 'string', pattern: '^[0-9]+$', examples: ['1773480420'] },
  },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      '`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the ' +
      'integration’s signing secret (the base64 after `whsec_`): verify it with any Standard Webhooks ' +
      'library, e.g. `new Webhook(secret).verify(body, headers)`, over the body exactly as received.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+=*$' },
  },
  {
    name: WEBHOOK_VERSION_HEADER,
    in: 'header',
    required: true,
    description:
      'The body’s `version`, repeated so a receiver can route a body by its shape before parsing it. ' +
      'Only the body is signed: rely on the body’s own `version`.',
    schema: { type: 'string', const: String(WEBHOOK_BODY_VERSION) },
  },
] as const;

/** How Herald reads the receiver's answer (docs/channels.md, Webhook). */
const RESPONSES = {
  '2XX': { description: 'Received: the delivery is done.' },
  '410': { description: 'Gone: the delivery fails for good and Herald disables the integration.' },
  '429': {
    description: 'Not now: Herald retries with backoff, after `Retry-After` when it is given.',
    headers: { 'Retry-After': { schema: { type: 'string' } } },
  },
  '5XX': {
    description:
      'Failed: Herald retries with backoff, after `Retry-After` when it is given; so it does for a ' +
      'timeout (`config.timeoutMs`, 10 s by default) or a reset connection.',
  },
  default: {
    description:
      'Refused (any other answer): the delivery fails for good, as a dead letter that can be replayed.',
  },
} as const;

/**
 * The document's `webhooks` (OpenAPI 3.1): one POST per registered notification type, keyed by the
 * type's id, with the body of that type and the headers that come with it. Built when the document is,
 * so types a library registers after the API is built are described too.
 */
export function webhookDocs(
  types: readonly RegisteredType[] = notificationTypes(),
): Record<string, WebhookPathItem> {
  return Object.fromEntries(types.map((type) => [type.id, webhookDoc(type)]));
}

function webhookDoc(type: RegisteredType): WebhookPathItem {
  // Each body schema stands alone: a `$schema` inside the document would only repeat its dialect.
  const { $schema: _dialect, ...schema } = webhookBodyJsonSchemaOf(type);
  return {
    post: {
      operationId: `${type.id}_webhook`,
      tags: ['webhooks'],
      summary: `${type.id} notification${type.category ? ` (${type.category})` : ''}`,
      description:
        `What Herald POSTs to a webhook integration for each \`${type.id}\` notification: JSON, signed ` +
        `per Standard Webhooks. The body is of version ${WEBHOOK_BODY_VERSION} (its \`version\` and the ` +
        `\`${WEBHOOK_VERSION_HEADER}\` header): fields may be added to it at any level, so a receiver ` +
        'ignores the ones it does not know; removing, renaming or retyping one makes a new version. ' +
        "An integration whose `config.format` is `alertmanager` posts Alertmanager's webhook body " +
        '(version "4") instead.',
      // The receiver authenticates Herald by the signature, not by a token of the API.
      security: [],
      parameters: [...HEADERS],
      requestBody: { required: true, content: { 'application/json': { schema } } },
      responses: RESPONSES,
    },
  };
}
