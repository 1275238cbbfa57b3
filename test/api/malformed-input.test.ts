import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, startHerald, type TestHerald } from '../helpers/herald.js';
import { jsonSchemaValidator } from '../helpers/json-schema.js';
import { SKIP_PROFILE } from '../helpers/profile.js';

/**
 * Every operation Herald describes in its OpenAPI document, fed input that its own schema calls wrong
 * (and a few absurd values it allows): each answer is below 500, every error is in Herald's shape, a
 * 400 names the field that was spoilt, input the schema refuses is not taken, and a refused request
 * leaves the tables as they were.
 *
 * Left out, on purpose:
 * - `GET /api/v1/me/inbox/stream` streams (server-sent events) and never ends on its own;
 * - `POST /api/v1/integrations/slack/interactions` reads a signed form body it does not describe and
 *   has neither parameters nor a JSON body to vary.
 * The Sentry ingest routes describe no body either (they read envelopes themselves): only their
 * `projectId` is varied, with a valid key and event, and they answer in Sentry's error shape.
 *
 * Nothing here reaches a real provider: the one integration is a webhook to a closed local port, rules
 * notify in-app only, and Herald runs without workers (role `api`), so no job sends anything, and what
 * the tables hold changes only by a request.
 */

/** The subset of JSON Schema (draft 2020-12, as @fastify/swagger writes it) the variants read. */
interface Schema {
  readonly $ref?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly anyOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly allOf?: readonly Schema[];
  readonly not?: Schema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly maxLength?: number;
  readonly minLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly pattern?: string;
  readonly format?: string;
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

interface Parameter {
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly name: string;
  readonly required?: boolean;
  readonly schema: Schema;
}

interface Document {
  readonly paths: Record<string, Record<string, RawOperation>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

interface RawOperation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly content?: Record<string, { readonly schema: Schema }> };
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body?: Schema;
}

/** One malformed request. */
interface Variant {
  readonly name: string;
  readonly url: string;
  /** The text sent as the body; undefined for none. */
  readonly raw?: string;
  /**
   * What the variant spoils, as a 400 names it: a body property (dotted), `params.<name>` or
   * `query.<name>`.
   */
  readonly field?: string;
  /** Whether the operation's schema refuses the variant, so that it must not be taken. */
  readonly refused: boolean;
}

/** The values that make a request reach its handler, and how they are sent. */
interface Fixture {
  /** Real values of path parameters by name (`id` by the collection before it). */
  readonly real: Readonly<Record<string, string>>;
  /** Valid bodies where a generator cannot write one, so that the spoilt field is the only fault. */
  readonly bases: Readonly<Record<string, unknown>>;
  /** The DSN key Sentry's ingest routes are called with. */
  readonly sentry: { readonly key: string };
}

/** Nesting far past what any input of Herald needs, and past what JSON.stringify can write back. */
const DEPTH = 10_000;
/** A string for fields without a maxLength: large, yet well under the body limit. */
const HUGE = 100_000;
/** Personal routes: the admin is no person, so these are called with a member's token. */
const PERSONAL = /^\/api\/v1\/me(\/|$)/;
const SENTRY = /^\/api\/\{projectId\}\//;
const SKIPPED = new Set(['GET /api/v1/me/inbox/stream']);

describe.skipIf(SKIP_PROFILE)('malformed input on every operation', () => {
  let h: TestHerald;
  let doc: Document;
  let fixture: Fixture;
  let personalToken: string;

  beforeAll(async () => {
    h = await startHerald({ role: 'api' });
    const ok = async (method: string, path: string, body?: unknown, token?: string) => {
      const answer = await h.request(method, path, body, token ? { token } : {});
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
      return answer.body;
    };
    const real: Record<string, string> = {};
    await ok('POST', '/api/v1/orgs', { slug: 'acme' });
    const dsn = new URL((await ok('POST', '/api/v1/orgs/acme/projects', { slug: 'api' })).dsn);
    real.projectId = dsn.pathname.replace(/\//g, '');
    real.userId = (await ok('POST', '/api/v1/orgs/acme/members', { email: 'alice@acme.test' })).userId;
    await ok('POST', '/api/v1/orgs/acme/members', { email: 'bob@acme.test' });
    real.teamId = (
      await ok('POST', '/api/v1/orgs/acme/teams', { slug: 'backend', memberIds: [real.userId] })
    ).id;
    const token = await ok('POST', `/api/v1/users/${real.userId}/tokens`, { name: 'cli' });
    personalToken = token.token;
    real.tokenId = token.id;
    real.integrations = (
      await ok('POST', '/api/v1/orgs/acme/integrations', {
        provider: 'webhook',
        name: 'Hook',
        config: { url: 'http://127.0.0.1:9/hook' },
      })
    ).id;
    real['api-keys'] = (await ok('POST', '/api/v1/orgs/acme/api-keys', { name: 'ci' })).id;
    const rule = {
      name: 'New errors in production',
      environment: 'production',
      conditions: [{ id: 'first_seen_event' }],
      filters: [{ id: 'tagged_event', key: 'browser', match: 'eq', value: 'Chrome' }],
      actions: [{ id: 'notify_inapp', targetType: 'Member', targetIdentifier: real.userId }],
    };
    const everyEvent = { name: 'Every event', conditions: [{ id: 'every_event' }], actions: rule.actions };
    real.rules = (await ok('POST', '/api/v1/projects/acme/api/rules', everyEvent)).id;
    real.issues = (
      await ok('POST', '/api/v1/projects/acme/api/events', { message: 'Checkout failed' })
    ).issueId;
    // The workers do not run: the setup runs the rule's jobs itself, for a notification, a delivery and
    // an inbox message to aim at.
    for (let i = 0; i < 3; i++) await h.engine.queue.drain();
    const notifications = (await ok('GET', '/api/v1/orgs/acme/notifications')).data;
    real.notifications = notifications[0]?.id;
    real.deliveries = notifications[0]?.deliveries[0]?.id;
    real.inbox = (await ok('GET', '/api/v1/me/inbox', undefined, personalToken)).data[0]?.id;
    await ok('POST', '/api/v1/projects/acme/api/releases', { version: '1.0.0' });
    const silence = {
      matchers: [{ name: 'instance', value: 'db-1' }],
      endsAt: new Date(h.clock.now() + 3_600_000).toISOString(),
      comment: 'Disk swap',
    };
    real.silences = (await ok('POST', '/api/v1/projects/acme/api/silences', silence)).id;
    const inhibit = {
      sourceMatchers: [{ name: 'severity', value: 'critical' }],
      targetMatchers: [{ name: 'severity', value: 'warning' }],
      equal: ['cluster'],
    };
    real['inhibit-rules'] = (await ok('POST', '/api/v1/projects/acme/api/inhibit-rules', inhibit)).id;
    const push = { endpoint: 'https://127.0.0.1:9/push/sub', keys: PUSH_KEYS };
    real['push-subscriptions'] = (await ok('POST', '/api/v1/me/push-subscriptions', push, personalToken)).id;
    for (const [name, value] of Object.entries(real)) if (!value) throw new Error(`setup left no ${name}`);

    const settings = {
      settings: [
        { type: 'alerts', channel: 'email', scopeType: 'user', scopeId: real.userId, value: 'never' },
      ],
    };
    fixture = {
      real,
      sentry: { key: dsn.username },
      bases: {
        'POST /api/v1/orgs/{org}/integrations': {
          provider: 'webhook',
          name: 'Hook 2',
          config: { url: 'http://127.0.0.1:9/hook-2' },
        },
        'POST /api/v1/projects/{org}/{project}/rules': rule,
        'POST /api/v1/projects/{org}/{project}/rules/preview': rule,
        'PUT /api/v1/projects/{org}/{project}/rules/{id}': rule,
        'POST /api/v1/projects/{org}/{project}/silences': silence,
        'POST /api/v1/projects/{org}/{project}/alertmanager/api/v2/silences': silence,
        'POST /api/v1/projects/{org}/{project}/inhibit-rules': inhibit,
        'PUT /api/v1/users/{userId}/notification-settings': settings,
        'PUT /api/v1/me/notification-settings': settings,
        'PUT /api/v1/orgs/{org}/teams/{team}/notification-settings': {
          settings: [{ ...settings.settings[0], scopeType: 'team', scopeId: real.teamId }],
        },
        'POST /api/v1/me/push-subscriptions': push,
        'POST /api/v1/projects/{org}/{project}/events': { message: 'Malformed', level: 'error' },
        'PUT /api/v1/orgs/{org}/templates/{type}/{channel}': { parts: { subject: '{{ issue.title }}' } },
        'POST /api/v1/orgs/{org}/templates/{type}/{channel}/preview': {
          parts: { subject: '{{ issue.title }}' },
        },
        'PUT /api/v1/projects/{org}/{project}/ownership': { raw: 'path:src/** alice@acme.test' },
      },
    };
    doc = (await h.request('GET', '/api/v1/openapi.json')).body;
  });
  afterAll(() => h?.close());

  it('answers every malformed variant below 500, in the error shape, naming the field, writing nothing', async () => {
    const operations = operationsOf(doc).filter((op) => !SKIPPED.has(`${op.method} ${op.path}`));
    // Deletions last: one taken by a variant would leave later operations without their object.
    operations.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    const failures: string[] = [];
    let sent = 0;
    let before = await snapshot(h);
    for (const op of operations) {
      const token = PERSONAL.test(op.path) ? personalToken : undefined;
      for (const variant of variantsOf(op, doc, fixture)) {
        sent++;
        const answer = await h.request(op.method, variant.url, undefined, {
          ...(token ? { token } : {}),
          ...(variant.raw === undefined ? {} : { raw: variant.raw }),
        });
        const after = answer.status >= 400 ? await snapshot(h) : null;
        const problems = [
          judge(answer, variant, SENTRY.test(op.path)),
          after !== null && after !== before ? `wrote although it refused:\n${diff(before, after)}` : null,
        ];
        for (const problem of problems)
          if (problem)
            failures.push(
              `${op.method} ${shorten(variant.url, 120)} [${variant.name}] → ${problem}: ${answer.status} ${shorten(answer.text, 300)}`,
            );
        before = after ?? (await snapshot(h));
      }
    }
    expect(sent).toBeGreaterThan(1000);
    expect(failures, `${failures.length} of ${sent} answers are wrong:\n${failures.join('\n')}`).toEqual([]);
  }, 120_000);
});

// --- The variants ---------------------------------------------------------------------------------------

function operationsOf(doc: Document): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, raw] of Object.entries(methods)) {
      const parameters = (raw.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
      const body = raw.requestBody?.content?.['application/json']?.schema;
      if (parameters.length === 0 && !body) continue;
      out.push({ method: method.toUpperCase(), path, parameters, ...(body ? { body } : {}) });
    }
  return out;
}

function variantsOf(op: Operation, doc: Document, fixture: Fixture): Variant[] {
  const resolve = (s: Schema): Schema => {
    if (!s.$ref) return s;
    const target = doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')];
    if (!target) throw new Error(`unresolved ${s.$ref}`);
    return resolve(target);
  };
  const key = `${op.method} ${op.path}`;
  const sentry = SENTRY.test(op.path);
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const validPath = Object.fromEntries(
    pathParams.map((p) => [p.name, pathValue(op.path, p.name, fixture.real)]),
  );
  // Required query parameters keep a valid value while another part is spoilt.
  const validQuery: Record<string, string | string[]> = sentry ? { sentry_key: fixture.sentry.key } : {};
  for (const p of queryParams)
    if (p.required) validQuery[p.name] = String(sample(resolve(p.schema), resolve));
  const url = (path: Record<string, string>, query: Record<string, string | string[]> = validQuery) => {
    // A value starting with % is sent as it is: a broken escape cannot be written any other way.
    const filled = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = path[name] ?? '';
      return value.startsWith('%') ? value : encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const one of [v].flat()) search.append(k, one);
    const text = search.toString();
    return text ? `${filled}?${text}` : filled;
  };
  const body = op.body ? resolve(op.body) : undefined;
  // Validates a whole body as a client library would, with the document's components for its $refs.
  const bodyProblems = body ? jsonSchemaValidator({ ...body, components: doc.components }) : () => [];
  const base = body ? (fixture.bases[key] ?? sample(body, resolve)) : undefined;
  const baseRaw = sentry
    ? op.path.endsWith('/envelope/')
      ? '{}\n{"type":"event"}\n{"message":"Malformed"}\n'
      : '{"message":"Malformed"}'
    : base === undefined
      ? undefined
      : JSON.stringify(base);
  const out: Variant[] = [];

  for (const p of pathParams)
    for (const [name, value] of pathVariants(validPath[p.name]!))
      out.push({
        name: `path ${p.name}: ${name}`,
        url: url({ ...validPath, [p.name]: value }),
        raw: baseRaw,
        field: `params.${p.name}`,
        refused: false,
      });

  for (const p of queryParams) {
    const schema = resolve(p.schema);
    for (const [name, value] of queryVariants(p.name, schema))
      out.push({
        name: `query ${p.name}: ${name}`,
        url: url(validPath, { ...validQuery, [p.name]: value }),
        raw: baseRaw,
        field: `query.${p.name}`,
        refused: !queryAccepts(schema, value, resolve),
      });
  }

  if (body) {
    const here = url(validPath);
    const refused = (raw: string) => {
      try {
        return bodyProblems(JSON.parse(raw)).length > 0;
      } catch {
        // Not JSON, or nested deeper than the validator can follow: a schema that looks that far down
        // refuses it.
        return true;
      }
    };
    out.push({ name: 'empty body', url: here, raw: '', refused: true });
    for (const [name, raw] of [
      ['body null', 'null'],
      ['body an array', '[]'],
      ['body a string', '"text"'],
      ['body a number', '42'],
    ] as const)
      out.push({ name, url: here, raw, refused: refused(raw) });
    if (isObject(base)) {
      const extra = JSON.stringify({ ...base, unexpectedField: 'x' });
      out.push({ name: 'unknown field', url: here, raw: extra, refused: refused(extra) });
      for (const [field, schema] of fieldsOf(body, resolve))
        for (const [name, value] of valueVariants(schema, resolve)) {
          const raw = withField(base, field, value, body, resolve);
          out.push({ name: `${field}: ${name}`, url: here, field, raw, refused: refused(raw) });
        }
    }
  }
  return out;
}

/** Top-level body properties, and those one level down (in an object, or in an array's first item). */
function fieldsOf(body: Schema, resolve: (s: Schema) => Schema): [string, Schema][] {
  const out: [string, Schema][] = [];
  for (const [name, raw] of Object.entries(body.properties ?? {})) {
    out.push([name, raw]);
    const schema = firstOption(resolve(raw), resolve);
    const item = schema.items ? firstOption(resolve(schema.items), resolve) : undefined;
    const inner = schema.properties
      ? { prefix: name, object: schema }
      : item?.properties
        ? { prefix: `${name}.0`, object: item }
        : null;
    if (inner)
      for (const [child, childSchema] of Object.entries(inner.object.properties ?? {}))
        out.push([`${inner.prefix}.${child}`, childSchema]);
  }
  return out;
}

/** Values of every type the schema refuses, strings far too long or with a NUL, deep nesting. */
function valueVariants(raw: Schema, resolve: (s: Schema) => Schema): [string, string][] {
  const types = accepts(raw, resolve);
  const out: [string, string][] = [];
  const candidates: [JsonType, string, string][] = [
    ['integer', 'a number', '12345'],
    ['string', 'a string', '"not-what-was-asked"'],
    ['boolean', 'a boolean', 'true'],
    ['object', 'an object', '{"a":1}'],
    ['array', 'an array', '[1,"two"]'],
    ['null', 'null', 'null'],
  ];
  for (const [type, name, value] of candidates) if (!types.has(type)) out.push([name, value]);
  if (types.has('integer') && !types.has('number')) out.push(['a fraction', '1.5']);
  if (types.has('string')) {
    const max = maxLengthOf(resolve(raw), resolve);
    const length = max === undefined ? HUGE : max * 10 + 10;
    out.push([`${length} characters`, JSON.stringify('x'.repeat(length))]);
    out.push(['a NUL character', JSON.stringify('a\u0000b')]);
  }
  out.push([`nested ${DEPTH} deep`, `${'{"a":'.repeat(DEPTH)}{}${'}'.repeat(DEPTH)}`]);
  return out;
}

function pathVariants(value: string): [string, string][] {
  return [
    ['unknown id', unknownLike(value)],
    ['wrong shape', 'not an id!'],
    ['1000 characters', 'x'.repeat(1000)],
    ['a NUL character', 'a\u0000b'],
    ['huge number', '99999999999999999999999'],
    ['negative number', '-1'],
    ['broken escape', '%E0%A4%A'],
  ];
}

function queryVariants(name: string, schema: Schema): [string, string | string[]][] {
  const out: [string, string | string[]][] = [
    ['empty', ''],
    ['repeated', ['1', '2']],
    ['5000 characters', 'x'.repeat(5000)],
    ['a NUL character', 'a\u0000b'],
  ];
  if (schema.type === 'integer' || schema.type === 'number' || name === 'limit')
    out.push(
      ['not a number', 'abc'],
      ['a fraction', '1.5'],
      ['negative', '-1'],
      ['zero', '0'],
      ['huge', '99999999999999999999999'],
      ['1e999', '1e999'],
    );
  if (schema.enum) out.push(['not in the enum', 'no-such-value']);
  if (schema.format === 'date-time')
    out.push(['not a time', 'yesterday'], ['impossible time', '2024-13-45T99:99:99Z']);
  if (name === 'cursor') {
    out.push(['garbage cursor', 'garbage'], ['base64 cursor', 'eyJpZCI6MX0'], ['punctuation', '!@#$%^&*()']);
    const prefix = schema.pattern?.match(/^\^(\w+)_/)?.[1];
    if (prefix) out.push(['unknown cursor', `${prefix}_${'0'.repeat(26)}`]);
  }
  return out;
}

/** Whether a query parameter's schema takes `value` (a query string's values are strings, coerced). */
function queryAccepts(schema: Schema, value: string | string[], resolve: (s: Schema) => Schema): boolean {
  if (Array.isArray(value)) return accepts(schema, resolve).has('array');
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return options.some((o) => queryAccepts(resolve(o), value, resolve));
  if (schema.enum) return schema.enum.includes(value);
  if (schema.type === 'integer' || schema.type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) return false;
    if (schema.type === 'integer' && !Number.isSafeInteger(n)) return false;
    return n >= (schema.minimum ?? -Infinity) && n <= (schema.maximum ?? Infinity);
  }
  if (schema.maxLength !== undefined && value.length > schema.maxLength) return false;
  if (schema.minLength !== undefined && value.length < schema.minLength) return false;
  if (schema.pattern && !new RegExp(schema.pattern).test(value)) return false;
  return true;
}

/** A value of the same shape as `value` that names nothing. */
function unknownLike(value: string): string {
  const prefixed = value.match(/^([a-z]+)_[0-9a-z]{26}$/);
  if (prefixed) return `${prefixed[1]}_${'0'.repeat(26)}`;
  if (/^[0-9a-f-]{36}$/.test(value)) return '00000000-0000-4000-8000-000000000000';
  if (/^\d+$/.test(value)) return '987654';
  return `no-such-${value}`.slice(0, 60);
}

// --- Schemas --------------------------------------------------------------------------------------------

/** The JSON types a schema accepts at its top (`integer` for whole numbers, `number` for the rest). */
function accepts(raw: Schema, resolve: (s: Schema) => Schema): Set<JsonType> {
  const schema = resolve(raw);
  if (schema.not && Object.keys(schema.not).length === 0) return new Set();
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return new Set(options.flatMap((o) => [...accepts(o, resolve)]));
  if (schema.allOf?.[0]) return accepts(schema.allOf[0], resolve);
  if (schema.const !== undefined) return new Set([jsonTypeOf(schema.const)]);
  if (schema.enum) return new Set(schema.enum.map(jsonTypeOf));
  if (!schema.type) return new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
  const types = new Set<JsonType>([schema.type].flat());
  if (types.has('number')) types.add('integer');
  return types;
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function firstOption(schema: Schema, resolve: (s: Schema) => Schema): Schema {
  const options = schema.anyOf ?? schema.oneOf;
  if (!options) return schema;
  const chosen = options.find((o) => resolve(o).type !== 'null') ?? options[0]!;
  return firstOption(resolve(chosen), resolve);
}

function maxLengthOf(schema: Schema, resolve: (s: Schema) => Schema): number | undefined {
  const options = schema.anyOf ?? schema.oneOf;
  if (!options) return schema.maxLength;
  const lengths = options
    .map(resolve)
    .filter((o) => accepts(o, resolve).has('string'))
    .map((o) => maxLengthOf(o, resolve));
  return lengths.every((l) => l !== undefined) ? Math.max(...(lengths as number[])) : undefined;
}

/** A value the schema accepts, as far as a generator that does not read patterns can tell. */
function sample(raw: Schema, resolve: (s: Schema) => Schema): unknown {
  const schema = firstOption(resolve(raw), resolve);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  switch ([schema.type].flat()[0]) {
    case 'string':
      if (schema.format === 'email') return 'alice@acme.test';
      if (schema.format === 'date-time') return new Date(Date.now() + 3_600_000).toISOString();
      if (schema.format === 'uri') return 'https://127.0.0.1:9/x';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return Math.min(Math.max(1, schema.minimum ?? 1), schema.maximum ?? Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}, resolve));
    case 'null':
      return null;
    default: {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sample(schema.properties?.[name] ?? {}, resolve);
      return out;
    }
  }
}

/** `base` as JSON with the dotted `field` set to the JSON text `value`, creating what leads to it. */
function withField(
  base: Record<string, unknown>,
  field: string,
  value: string,
  body: Schema,
  resolve: (s: Schema) => Schema,
): string {
  const marker = '\u0001spoilt\u0001';
  const copy = structuredClone(base);
  const keys = field.split('.');
  let at: Record<string, unknown> = copy;
  let schema: Schema = body;
  for (const key of keys.slice(0, -1)) {
    const next = firstOption(resolve(schema.properties?.[key] ?? schema.items ?? {}), resolve);
    if (typeof at[key] !== 'object' || at[key] === null) at[key] = sample(next, resolve);
    const list = at[key];
    if (Array.isArray(list) && list.length === 0) list.push(sample(next.items ?? {}, resolve));
    at = at[key] as Record<string, unknown>;
    schema = next;
  }
  at[keys.at(-1)!] = marker;
  // The value goes in as text: a nesting this deep cannot pass through JSON.stringify.
  return JSON.stringify(copy).replace(JSON.stringify(marker), value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- Answers --------------------------------------------------------------------------------------------

/** What is wrong with an answer to a malformed request, or null. */
function judge(answer: Answer, variant: Variant, sentry: boolean): string | null {
  if (answer.status >= 500) return 'server error';
  if (answer.status < 400) return variant.refused ? 'took input its schema refuses' : null;
  // Sentry SDKs read Sentry's error shape, `{"detail": …}`; a URL the router cannot read is refused
  // before it is known to be Sentry's, in Herald's.
  if (sentry && typeof answer.body?.detail === 'string') return null;
  const error = answer.body?.error;
  if (
    typeof error?.code !== 'string' ||
    typeof error.message !== 'string' ||
    !Array.isArray(error.details) ||
    !error.details.every((d: { path?: unknown }) => typeof d?.path === 'string')
  )
    return 'not the error shape';
  const named = (path: string) =>
    path === variant.field ||
    path.startsWith(`${variant.field}.`) ||
    // A URL the router cannot read is refused before it knows which parameter is which.
    (path === 'params' && variant.field?.startsWith('params.'));
  if (
    answer.status === 400 &&
    variant.field !== undefined &&
    !error.details.some((d: { path: string }) => named(d.path))
  )
    return `no detail names ${variant.field}`;
  return null;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} characters)` : text;
}

function diff(before: string, after: string): string {
  const was = new Set(before.split('\n'));
  const is = new Set(after.split('\n'));
  const lines = [
    ...[...was].filter((l) => !is.has(l)).map((l) => `  - ${shorten(l, 200)}`),
    ...[...is].filter((l) => !was.has(l)).map((l) => `  + ${shorten(l, 200)}`),
  ];
  return lines.join('\n');
}

// --- Fixtures -------------------------------------------------------------------------------------------

const PUSH_KEYS = {
  p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
  auth: 'tBHItJI5svbpez7KI4CCXg',
};

function pathValue(opPath: string, name: string, real: Readonly<Record<string, string>>): string {
  const fixed: Record<string, string | undefined> = {
    org: 'acme',
    project: 'api',
    version: '1.0.0',
    type: 'issue_alert',
    channel: 'email',
    team: real.teamId,
    silenceID: real.silences,
    // `{id}` is an object of the collection its path names.
    id: real[opPath.match(/\/([\w-]+)\/\{id\}/)?.[1] ?? ''],
  };
  const value = fixed[name] ?? real[name];
  if (!value) throw new Error(`no real value for {${name}} of ${opPath}`);
  return value;
}

/** What requests write, as text (one line a row): equal before and after a refused request. */
async function snapshot(h: TestHerald): Promise<string> {
  const { db, dialect } = h.engine.store;
  const tables: Record<string, unknown> = {};
  if (dialect === 'postgres') {
    // One round trip: thousands of snapshots are taken.
    const columns = [
      ...COMPARED_TABLES.map(
        (t) => sql`(select coalesce(json_agg(r), '[]') from ${sql.table(t)} r) as ${sql.ref(t)}`,
      ),
      ...COUNTED_TABLES.map((t) => sql`(select count(*) from ${sql.table(t)}) as ${sql.ref(t)}`),
    ];
    const { rows } = await sql<Record<string, unknown>>`select ${sql.join(columns)}`.execute(db);
    Object.assign(tables, rows[0]);
  } else {
    for (const t of COMPARED_TABLES) tables[t] = await db.selectFrom(t).selectAll().execute();
    for (const t of COUNTED_TABLES)
      tables[t] = (await db.selectFrom(t).select(sql<number>`count(*)`.as('n')).executeTakeFirst())?.n;
  }
  const lines: string[] = [];
  for (const t of COMPARED_TABLES)
    for (const row of tables[t] as Record<string, unknown>[]) {
      // Touched by using a token, not by the input of a request.
      const { last_active_at: _active, last_used_at: _used, ...rest } = row;
      lines.push(`${t} ${JSON.stringify(rest)}`);
    }
  for (const t of COUNTED_TABLES) lines.push(`${t} count ${Number(tables[t])}`);
  return lines.sort().join('\n');
}

/** Tables compared row by row. */
const COMPARED_TABLES = [
  'organizations',
  'users',
  'members',
  'teams',
  'team_members',
  'projects',
  'project_teams',
  'integrations',
  'api_keys',
  'notification_settings',
  'user_options',
  'ownership_rules',
  'issue_subscriptions',
  'releases',
  'release_commits',
  'deploys',
  'user_tokens',
  'issues',
  'rules',
  'rule_snoozes',
  'silences',
  'inhibit_rules',
  'templates',
  'push_subscriptions',
  'inbox_messages',
  'deliveries',
] as const;

/** Tables too large to compare row by row, whose rows are only ever added: counted. */
const COUNTED_TABLES = ['events', 'issue_environments', 'issue_users', 'jobs', 'notifications'] as const;
