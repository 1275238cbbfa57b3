import type { Kysely } from 'kysely';
import { ZodError } from 'zod';
import type { Clock } from '../clock.js';
import type { ChannelKind } from '../delivery/channel.js';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import type { ChannelContents } from '../notifications/notification-type.js';
import { notificationType, type RegisteredType } from '../notifications/registry.js';
import type { Database } from '../store/schema.js';
import { parseTemplate, TemplateError } from './overrides/liquid-sandbox.js';
import { TEMPLATE_PARTS, templatePart } from './overrides/template-parts.js';
import { defaultRenderContext, type RenderContext } from './render-context.js';
import { renderWithOverride, type TemplateOverride } from './render-notification.js';

/** A stored override as the API shows it. */
export interface StoredTemplate {
  readonly type: string;
  readonly channel: ChannelKind;
  readonly parts: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

/** What a preview renders with; every field optional. */
export interface PreviewInput {
  /** The type's payload; default: the type's sample. */
  readonly payload?: unknown;
  /** Unsaved parts to try; default: the stored override, if any. */
  readonly parts?: Readonly<Record<string, string>>;
  readonly locale?: string;
  readonly timeZone?: string;
}

/** What the templates service needs. */
export interface TemplateServiceDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Herald's public base URL, for preview links. */
  readonly publicUrl: () => string;
  /** Told, once the write is done, that one of the organization's overrides was saved or removed. */
  readonly onChanged?: (orgId: string) => void;
}

function typeOrThrow(id: string): RegisteredType {
  const type = notificationType(id);
  if (!type) throw new NotFoundError('Notification type');
  return type;
}

function zodProblems(error: ZodError, prefix: string): FieldProblem[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function templateProblem(error: TemplateError): FieldProblem {
  return { path: error.part ? `parts.${error.part}` : 'parts', message: error.message };
}

/** Unknown part names and Liquid syntax errors (with line and column), every one named. */
function syntaxProblems(channel: ChannelKind, parts: Readonly<Record<string, string>>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [name, source] of Object.entries(parts)) {
    const part = templatePart(channel, name);
    if (!part) {
      const known = TEMPLATE_PARTS[channel].map((p) => p.name).join(', ');
      problems.push({ path: `parts.${name}`, message: `is not a part of ${channel} templates (${known})` });
      continue;
    }
    try {
      parseTemplate(source, part.escape);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      problems.push({ path: `parts.${name}`, message: error.message });
    }
  }
  return problems;
}

/** Organizations' template overrides: stored per type and channel, checked on save, previewed. */
export function templateService(deps: TemplateServiceDeps) {
  const { db, clock } = deps;

  const row = (orgId: string, type: string, channel: ChannelKind) =>
    db
      .selectFrom('templates')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('type', '=', type)
      .where('channel', '=', channel)
      .executeTakeFirst();

  const toStored = (r: {
    type: string;
    channel: string;
    body: string;
    updated_at: number;
  }): StoredTemplate => ({
    type: r.type,
    channel: r.channel as ChannelKind,
    parts: JSON.parse(r.body) as Record<string, string>,
    updatedAt: new Date(Number(r.updated_at)).toISOString(),
  });

  const previewContext = (input: PreviewInput): RenderContext =>
    defaultRenderContext(deps.publicUrl(), {
      locale: input.locale ?? 'en',
      timeZone: input.timeZone ?? 'UTC',
      notificationId: 'ntf_preview',
      timestamp: clock.now(),
    });

  async function render<K extends ChannelKind>(
    type: RegisteredType,
    channel: K,
    parts: Readonly<Record<string, string>>,
    input: PreviewInput,
  ): Promise<ChannelContents[K]> {
    const payload = input.payload ?? type.sample();
    try {
      type.parse(payload);
    } catch (error) {
      if (error instanceof ZodError) throw new ValidationError(zodProblems(error, 'payload'));
      throw error;
    }
    try {
      return await renderWithOverride(type, channel, payload, previewContext(input), parts);
    } catch (error) {
      if (error instanceof TemplateError) throw new ValidationError([templateProblem(error)]);
      throw error;
    }
  }

  return {
    /** The override of `type` on `channel`; 404 when there is none (or the type is unknown). */
    /** Every override of the organization, by type then channel. */
    async list(orgId: string): Promise<StoredTemplate[]> {
      const rows = await db
        .selectFrom('templates')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('type')
        .orderBy('channel')
        .execute();
      return rows.map(toStored);
    },

    async get(orgId: string, type: string, channel: ChannelKind): Promise<StoredTemplate> {
      typeOrThrow(type);
      const found = await row(orgId, type, channel);
      if (!found) throw new NotFoundError('Template');
      return toStored(found);
    },

    /**
     * Saves an override after checking it: every part must parse (errors carry line and column) and
     * render the type's sample within the sandbox's limits, JSON parts to the right JSON.
     */
    async put(
      orgId: string,
      type: string,
      channel: ChannelKind,
      parts: Readonly<Record<string, string>>,
    ): Promise<StoredTemplate> {
      const registered = typeOrThrow(type);
      if (Object.keys(parts).length === 0)
        throw ValidationError.field('parts', 'must name at least one part');
      const problems = syntaxProblems(channel, parts);
      if (problems.length) throw new ValidationError(problems);
      await render(registered, channel, parts, {});
      const now = clock.now();
      const body = JSON.stringify(parts);
      await db
        .insertInto('templates')
        .values({ org_id: orgId, type, channel, body, updated_at: now })
        .onConflict((oc) => oc.columns(['org_id', 'type', 'channel']).doUpdateSet({ body, updated_at: now }))
        .execute();
      deps.onChanged?.(orgId);
      return { type, channel, parts, updatedAt: new Date(now).toISOString() };
    },

    /** Removes an override; the built-in rendering applies again. */
    async remove(orgId: string, type: string, channel: ChannelKind): Promise<void> {
      typeOrThrow(type);
      const result = await db
        .deleteFrom('templates')
        .where('org_id', '=', orgId)
        .where('type', '=', type)
        .where('channel', '=', channel)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Template');
      deps.onChanged?.(orgId);
    },

    /** The override the delivery stage passes to `renderNotification`, or undefined. */
    async find(orgId: string, type: string, channel: ChannelKind): Promise<TemplateOverride | undefined> {
      const found = await row(orgId, type, channel);
      return found ? { parts: toStored(found).parts } : undefined;
    },

    /** Renders `type` on `channel` with sample data (or `input.payload`) and the given or stored override. */
    async preview(
      orgId: string,
      type: string,
      channel: ChannelKind,
      input: PreviewInput,
    ): Promise<{ content: ChannelContents[ChannelKind]; overridden: boolean }> {
      const registered = typeOrThrow(type);
      let parts = input.parts;
      if (parts === undefined) parts = (await row(orgId, type, channel).then((r) => r && toStored(r)))?.parts;
      if (parts) {
        const problems = syntaxProblems(channel, parts);
        if (problems.length) throw new ValidationError(problems);
      }
      const content = await render(registered, channel, parts ?? {}, input);
      return { content, overridden: parts !== undefined && Object.keys(parts).length > 0 };
    },
  };
}

/** The templates service. */
export type TemplateService = ReturnType<typeof templateService>;
