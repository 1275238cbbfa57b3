import { z } from 'zod';
import type { ChannelKind } from '../delivery/channel.js';
import type { SettingType } from '../preferences/setting-schema.js';
import { sha256Hex } from '../security/sha256.js';
import type { RenderContext } from '../templates/render-context.js';
import { type ChannelContents, isCritical, type NotificationType } from './notification-type.js';
import { registerBuiltInTypes } from './types/index.js';

/**
 * A registered type seen from outside: its payload is `unknown` to callers, so every method validates
 * it with the type's schema first and hands the typed value to the type's own functions.
 */
export interface RegisteredType {
  readonly id: string;
  readonly category: SettingType | null;
  readonly payloadSchema: z.ZodType;
  /** The payload, validated and normalised; throws a `ZodError` naming each bad field. */
  parse(payload: unknown): unknown;
  isCritical(payload: unknown): boolean;
  threadKey(payload: unknown): string | undefined;
  metadata(payload: unknown): Readonly<Record<string, string>>;
  render<K extends ChannelKind>(
    kind: K,
    payload: unknown,
    context: RenderContext,
  ): Promise<ChannelContents[K]>;
  sample(): unknown;
}

/** The validated payloads of each registered type (see {@link builtPayload}). */
const caches = new WeakMap<RegisteredType, WeakMap<object, unknown>>();

function erase<P>(type: NotificationType<P>): RegisteredType {
  // One delivery validates its payload several times (criticality at fan-out, rendering, metadata), and
  // a schema parse costs more than the rest of rendering: a payload object, and the value its parse
  // returned, are parsed once. Payloads are never mutated after they are read.
  const parsed = new WeakMap<object, P>();
  const parse = (payload: unknown): P => {
    const isObject = typeof payload === 'object' && payload !== null;
    const known = isObject ? parsed.get(payload) : undefined;
    if (known !== undefined) return known;
    const value = type.payload.parse(payload);
    if (isObject) parsed.set(payload, value);
    if (typeof value === 'object' && value !== null) parsed.set(value, value);
    return value;
  };
  const registered: RegisteredType = {
    id: type.id,
    category: type.category,
    payloadSchema: type.payload,
    parse,
    isCritical: (payload) => isCritical(type, parse(payload)),
    threadKey: (payload) => type.threadKey?.(parse(payload)),
    metadata: (payload) => type.metadata(parse(payload)),
    async render(kind, payload, context) {
      const renderer = type.render[kind];
      return renderer(parse(payload), context);
    },
    sample: () => type.sample(),
  };
  caches.set(registered, parsed);
  return registered;
}

const types = new Map<string, RegisteredType>();

function ensureBuiltIns(): void {
  if (types.size > 0) return;
  registerBuiltInTypes((type) => types.set(type.id, erase(type)));
}

/**
 * Adds a notification type. Ids are unique: registering one twice throws unless `replace` is set, so a
 * library user overrides a built-in only on purpose.
 */
export function registerNotificationType<P>(
  type: NotificationType<P>,
  options: { replace?: boolean } = {},
): void {
  ensureBuiltIns();
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(type.id))
    throw new Error(`Notification type id "${type.id}" is not snake_case`);
  if (types.has(type.id) && !options.replace)
    throw new Error(`Notification type "${type.id}" is already registered`);
  types.set(type.id, erase(type));
}

/**
 * Marks `payload`, built by Herald's own code with the TypeScript type of `type`'s payload, as valid, so
 * its stages do not validate it again at run time (a schema parse costs more than rendering it). Only
 * while `type` is the one registered under its id: a payload built for a type a library user replaced is
 * validated against the replacement as usual. Only for schemas without transforms, whose parse returns
 * what it was given.
 */
export function builtPayload<P extends object>(type: NotificationType<P>, payload: P): P {
  ensureBuiltIns();
  const registered = types.get(type.id);
  if (registered?.payloadSchema === type.payload) caches.get(registered)?.set(payload, payload);
  return payload;
}

/** Fingerprints of registered types' payload schemas (see {@link payloadFingerprint}). */
const fingerprints = new WeakMap<RegisteredType, string | null>();

/**
 * A fingerprint of the type's payload schema: the SHA-256 of its JSON Schema, so it changes when a field,
 * a bound or a form does (a release that changes the schema, or a type replaced by a library user); null
 * for a schema JSON Schema cannot describe.
 */
function fingerprintOf(registered: RegisteredType): string | null {
  let fingerprint = fingerprints.get(registered);
  if (fingerprint === undefined) {
    try {
      fingerprint = sha256Hex(JSON.stringify(z.toJSONSchema(registered.payloadSchema)));
    } catch {
      fingerprint = null;
    }
    fingerprints.set(registered, fingerprint);
  }
  return fingerprint;
}

/**
 * The fingerprint to store with a payload of a type when the payload is known valid for the type as
 * registered now and is its own parse (built with {@link builtPayload}, or the value a parse returned);
 * null otherwise. A payload whose parse is another value (a schema that transforms) is not vouched for:
 * read back, it is parsed again.
 */
export function payloadFingerprint(typeId: string, payload: unknown): string | null {
  const registered = notificationType(typeId);
  if (!registered || typeof payload !== 'object' || payload === null) return null;
  return caches.get(registered)?.get(payload) === payload ? fingerprintOf(registered) : null;
}

/**
 * Takes a payload read back from its stored JSON as valid without parsing it again when it was stored
 * with the fingerprint of its type's schema as registered now (see {@link payloadFingerprint}): a
 * notification written before the schema changed, or without a fingerprint, is validated as usual.
 * Payloads are JSON data, so the stored text read back equals what was validated.
 */
export function trustedPayload(typeId: string, payload: object, fingerprint: string | null): void {
  if (fingerprint === null) return;
  const registered = notificationType(typeId);
  if (registered && fingerprintOf(registered) === fingerprint) caches.get(registered)?.set(payload, payload);
}

/** The registered type with this id, or undefined. */
export function notificationType(id: string): RegisteredType | undefined {
  ensureBuiltIns();
  return types.get(id);
}

/** Every registered type, built-ins first, in registration order. */
export function notificationTypes(): RegisteredType[] {
  ensureBuiltIns();
  return [...types.values()];
}
