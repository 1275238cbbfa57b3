import { ApiError, api } from '../api';
import type { Channel, Org, TemplateOverride } from '../types';
import { label } from '../ui';

/** One value a type's templates can print, as `{{ path }}`. */
export interface TemplateVariable {
  readonly path: string;
  /** What it holds, in words: "text", "number", "date and time", "list of id, name", … */
  readonly kind: string;
  readonly description?: string;
}

/** The little of JSON Schema that payload schemas use. */
interface Schema {
  readonly type?: string | readonly string[];
  readonly format?: string;
  readonly description?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema | false;
  readonly prefixItems?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
}

/** The part of the OpenAPI document read here: one webhook per registered notification type. */
interface OpenApiDocument {
  readonly webhooks?: Readonly<
    Record<string, { post?: { requestBody?: { content?: Record<string, { schema?: Schema }> } } }>
  >;
}

/**
 * What every template sees besides the payload (`templateScope` on the server): the type, the links of
 * the message, and the recipient's language and zone.
 */
const CONTEXT_VARIABLES: readonly TemplateVariable[] = [
  { path: 'type', kind: 'text', description: 'The notification type’s id' },
  { path: 'links.settings', kind: 'text', description: 'The recipient’s notification settings' },
  { path: 'links.issue', kind: 'text', description: 'The page the message is about, when it has one' },
  { path: 'links.unsubscribe', kind: 'text', description: 'One-click unsubscribe (email)' },
  { path: 'links.muteRule', kind: 'text', description: 'Mutes the rule that fired, for the recipient' },
  { path: 'locale', kind: 'text', description: 'The recipient’s language' },
  { path: 'timeZone', kind: 'text', description: 'The recipient’s time zone' },
  { path: 'baseUrl', kind: 'text', description: 'Herald’s public address' },
];

let described: Promise<OpenApiDocument> | null = null;

/**
 * The API's own description, read once per page load. The API has no list of types or of the values
 * their templates see, but its OpenAPI document describes each registered type's webhook body, whose
 * `data` is the payload templates are rendered with.
 */
function openApi(token: string): Promise<OpenApiDocument> {
  described ??= api<OpenApiDocument>(token, 'GET', '/api/v1/openapi.json').catch((error: unknown) => {
    described = null;
    throw error;
  });
  return described;
}

/** The ids of the registered notification types, in the registry's order. */
export async function notificationTypes(token: string): Promise<readonly string[]> {
  return Object.keys((await openApi(token)).webhooks ?? {});
}

/** What a template of `type` can print: the payload's fields (with dotted paths), then the context's. */
export async function templateVariables(token: string, type: string): Promise<readonly TemplateVariable[]> {
  const body = (await openApi(token)).webhooks?.[type]?.post?.requestBody?.content?.['application/json']
    ?.schema;
  const data = body?.properties?.['data'];
  const found: TemplateVariable[] = [];
  if (data) collect(data, '', found);
  return [...found.filter((v) => v.path !== 'notificationId'), ...CONTEXT_VARIABLES];
}

/** `schema` with `allOf` merged and a nullable `anyOf` reduced to its one other member. */
function plain(schema: Schema): Schema {
  if (schema.allOf) {
    const properties = Object.assign({}, ...schema.allOf.map((s) => plain(s).properties ?? {}));
    return { ...schema, type: 'object', properties };
  }
  const options = schema.anyOf?.filter((s) => s.type !== 'null');
  if (options?.length === 1 && options[0]) return { ...plain(options[0]), description: schema.description };
  return schema;
}

function kindOf(schema: Schema): string {
  const s = plain(schema);
  if (s.enum) return `one of ${s.enum.map(String).join(', ')}`;
  if (s.format === 'date-time') return 'date and time (| localtime shows it in the recipient’s zone)';
  if (s.type === 'array') {
    const item = s.items ? plain(s.items) : undefined;
    if (item?.prefixItems) return item.prefixItems.length === 2 ? 'list of pairs' : 'list of lists';
    return item?.properties ? `list of ${Object.keys(item.properties).join(', ')}` : 'list';
  }
  if (s.type === 'integer' || s.type === 'number') return 'number';
  if (s.type === 'boolean') return 'true or false';
  if (s.anyOf) return s.anyOf.map(kindOf).join(' or ');
  return s.type === 'string' ? 'text' : 'value';
}

function collect(schema: Schema, prefix: string, into: TemplateVariable[]): void {
  const s = plain(schema);
  if (s.type === 'object' && s.properties) {
    for (const [name, child] of Object.entries(s.properties))
      collect(child, prefix ? `${prefix}.${name}` : name, into);
    return;
  }
  into.push({ path: prefix, kind: kindOf(s), ...(s.description ? { description: s.description } : {}) });
}

/** Names of types whose id is also a settings category's, which {@link label} names instead. */
const TYPE_NAMES: Readonly<Record<string, string>> = { deploy: 'Deploy' };

/** The name of a notification type. */
export function typeLabel(type: string): string {
  return TYPE_NAMES[type] ?? label(type);
}

/** Where the API keeps the organization's override of `type` on `channel`. */
export function templatePath(org: Org, type: string, channel: Channel): string {
  return `/api/v1/orgs/${encodeURIComponent(org.slug)}/templates/${encodeURIComponent(type)}/${channel}`;
}

/** Every override of the organization (the type × channel pairs not listed render as Herald does). */
export async function listOverrides(token: string, org: Org): Promise<readonly TemplateOverride[]> {
  const path = `/api/v1/orgs/${encodeURIComponent(org.slug)}/templates`;
  return (await api<{ data: TemplateOverride[] }>(token, 'GET', path)).data;
}

/** The override of `type` on `channel`, or null where Herald's built-in rendering applies (the API's 404). */
export async function findOverride(
  token: string,
  org: Org,
  type: string,
  channel: Channel,
): Promise<TemplateOverride | null> {
  try {
    return await api<TemplateOverride>(token, 'GET', templatePath(org, type, channel));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}
