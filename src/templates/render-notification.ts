import type { ChannelKind } from '../delivery/channel.js';
import type { ChannelContents } from '../notifications/notification-type.js';
import { notificationType, type RegisteredType } from '../notifications/registry.js';
import { applyOverride } from './overrides/apply-override.js';
import { renderTemplate, TemplateError } from './overrides/liquid-sandbox.js';
import { templatePart } from './overrides/template-parts.js';
import { type RenderContext, rendering } from './render-context.js';

/** An organization's Liquid sources for some parts of one type on one channel. */
export interface TemplateOverride {
  readonly parts: Readonly<Record<string, string>>;
  /** Told when the override cannot render; the built-in rendering is sent instead. */
  readonly onError?: (error: TemplateError) => void;
}

/** What Liquid templates see: the payload's fields at the top, plus the type, links, locale and zone. */
export function templateScope(
  type: string,
  payload: unknown,
  context: RenderContext,
): Record<string, unknown> {
  const fields = typeof payload === 'object' && payload !== null ? payload : {};
  return {
    ...fields,
    type,
    links: context.links,
    locale: context.locale,
    timeZone: context.timeZone,
    baseUrl: context.baseUrl,
  };
}

/** Renders every part of `override` for `channel`; throws {@link TemplateError} naming the failing part. */
export async function renderParts(
  type: string,
  channel: ChannelKind,
  payload: unknown,
  context: RenderContext,
  parts: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const scope = templateScope(type, payload, context);
  const rendered: Record<string, string> = {};
  for (const [name, source] of Object.entries(parts)) {
    const part = templatePart(channel, name);
    if (!part) throw new TemplateError(`${channel} has no part "${name}"`, { part: name });
    try {
      rendered[name] = await renderTemplate(source, part.escape, scope);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const problem = error instanceof TemplateError ? error.problem : undefined;
      throw new TemplateError(message, { problem, part: name, cause: error });
    }
  }
  return rendered;
}

function resolveType(type: string | RegisteredType): RegisteredType {
  const found = typeof type === 'string' ? notificationType(type) : type;
  if (!found) throw new Error(`Unknown notification type "${String(type)}"`);
  return found;
}

/**
 * The one entry point of rendering: validates `payload` against the type's schema (a `ZodError` names
 * bad fields), renders it for `channel` in the context's language and zone, and applies the
 * organization's override when one is given. An override that fails to render is reported through
 * `override.onError` and the built-in rendering is returned, so a broken template never loses a message.
 */
export async function renderNotification<K extends ChannelKind>(
  type: string | RegisteredType,
  channel: K,
  payload: unknown,
  context: RenderContext,
  override?: TemplateOverride,
): Promise<ChannelContents[K]> {
  const registered = resolveType(type);
  const parsed = registered.parse(payload);
  const base = await registered.render(channel, parsed, context);
  if (!override || Object.keys(override.parts).length === 0) return base;
  try {
    const parts = await renderParts(registered.id, channel, parsed, context, override.parts);
    return await applyOverride(channel, base, parts, rendering(context));
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    override.onError?.(error);
    return base;
  }
}

/** Like {@link renderNotification} with an override, but an override error is thrown, for previews and saves. */
export async function renderWithOverride<K extends ChannelKind>(
  type: RegisteredType,
  channel: K,
  payload: unknown,
  context: RenderContext,
  parts: Readonly<Record<string, string>>,
): Promise<ChannelContents[K]> {
  const parsed = type.parse(payload);
  const base = await type.render(channel, parsed, context);
  if (Object.keys(parts).length === 0) return base;
  const rendered = await renderParts(type.id, channel, parsed, context, parts);
  return applyOverride(channel, base, rendered, rendering(context));
}
