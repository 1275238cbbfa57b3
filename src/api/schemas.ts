import type { FastifySchemaCompiler } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHANNEL_KINDS } from '../delivery/channel.js';
import { DELIVERY_STATUSES } from '../delivery/deliver.js';
import { MEMBER_ROLES } from '../tenancy/members.js';
import { localeSchema } from '../validation.js';

/** A URL-safe identifier: lower-case letters, digits and dashes, 1–64 characters. */
export const slug = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be lower-case letters, digits, dashes or underscores');

/** A display name. */
export const displayName = z.string().trim().min(1).max(200);

const ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);

/** An IANA time zone such as `Europe/Berlin`. */
export const timeZone = z
  .string()
  .refine((v) => ZONES.has(v), 'must be an IANA time zone such as Europe/Berlin');

/** A BCP 47 locale such as `de` or `fr-CA`. */
export const locale = localeSchema;

/** Member roles. */
export const role = z.enum(MEMBER_ROLES);

/** The error body every failure answers with. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: 'Error' });

/** Path parameters `{org}`. */
export const orgParams = z.object({ org: slug });

/** A delivery status as a list filter: one the pipeline gives, else 400 naming the field. */
export const deliveryStatus = z.enum(DELIVERY_STATUSES);

/** A channel as a list filter. */
export const channelKind = z.enum(CHANNEL_KINDS);

/** A list's cursor: the id of the last item of the previous page, `<prefix>_` and 26 base32 characters. */
export const cursorOf = (prefix: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}_[0-9a-z]{26}$`),
      'is not a cursor of this list: pass nextCursor as it came',
    );

/**
 * A route's validator for a body the service checks itself, with messages written for the people who
 * send it, naming every problem (a rule's misspelt option at its own path, notification settings and
 * options together, ownership rules by line, each alert of a batch): the body reaches it as sent, and its
 * schema still documents the shape in OpenAPI; params and query are checked by their schemas as usual.
 */
export function serviceValidatesBody<S>(
  route: Parameters<FastifySchemaCompiler<S>>[0],
): ReturnType<FastifySchemaCompiler<S>> {
  if (route.httpPart === 'body') return (data: unknown) => ({ value: data });
  // At run time `schema` is the zod schema of this part; fastify's types name the whole route schema.
  return validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
}
