import type { ChannelKind } from '../../delivery/channel.js';
import { DISCORD_LIMITS } from '../../delivery/channels/discord/discord-content.js';
import { PAGERDUTY_SUMMARY_MAX } from '../../delivery/channels/pagerduty/pagerduty-content.js';
import { slackBlockSchema } from '../../delivery/channels/slack/slack-content.js';
import type { ChannelContents } from '../../notifications/notification-type.js';
import { overrideEmail } from '../email/email-override.js';
import type { Rendering } from '../render-context.js';
import { oneLine, truncate, truncateBytes } from '../text.js';
import { TemplateError } from './liquid-sandbox.js';

/** Rendered parts by name. */
export type RenderedParts = Readonly<Record<string, string>>;

type Applier<K extends ChannelKind> = (
  base: ChannelContents[K],
  parts: RenderedParts,
  r: Rendering,
) => ChannelContents[K] | Promise<ChannelContents[K]>;

function json(parts: RenderedParts, name: string): unknown {
  const text = parts[name];
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    throw new TemplateError(`does not render to valid JSON: ${(error as Error).message}`, {
      cause: error,
      part: name,
    });
  }
}

function slackBlocks(value: unknown): ChannelContents['slack']['blocks'] {
  if (!Array.isArray(value) || value.length > 50)
    throw new TemplateError('must render to a JSON array of at most 50 blocks', { part: 'blocks' });
  return value.map((block, i) => {
    const parsed = slackBlockSchema.safeParse(block);
    if (!parsed.success)
      throw new TemplateError(`block ${i} must be an object with a "type"`, { part: 'blocks' });
    return parsed.data;
  });
}

const line = (text: string | undefined, max: number) =>
  text === undefined ? undefined : truncate(oneLine(text), max) || undefined;

/** How rendered parts replace a channel's built-in content, with the channel's limits enforced again. */
const APPLIERS: { readonly [K in ChannelKind]: Applier<K> } = {
  email: (base, parts, r) => overrideEmail(base, parts, r),
  slack: (base, parts) => {
    const blocks = parts['blocks'] === undefined ? base.blocks : slackBlocks(json(parts, 'blocks'));
    return { ...base, text: line(parts['text'], 3000) ?? base.text, blocks };
  },
  msteams: (base, parts) => {
    if (parts['title'] === undefined && parts['text'] === undefined) return base;
    const run = (text: string, extra: object = {}) => ({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text, ...extra }],
    });
    const body: unknown[] = [];
    if (parts['title'])
      body.push(run(truncate(oneLine(parts['title']), 300), { size: 'Large', weight: 'Bolder' }));
    if (parts['text']) body.push(run(truncate(parts['text'], 10_000)));
    return { card: { ...base.card, body: body.length ? body : base.card.body } };
  },
  webhook: (base, parts) => {
    const data = json(parts, 'data');
    if (data === undefined) return base;
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw new TemplateError('must render to a JSON object', { part: 'data' });
    return {
      ...base,
      data: { ...(data as Record<string, unknown>), notificationId: base.data['notificationId'] },
    };
  },
  push: (base, parts) => ({
    ...base,
    title: line(parts['title'], 120) ?? base.title,
    body: parts['body'] === undefined ? base.body : truncateBytes(parts['body'], 3000),
  }),
  inapp: (base, parts) => ({
    ...base,
    title: line(parts['title'], 300) ?? base.title,
    body: parts['body'] === undefined ? base.body : truncate(parts['body'], 1000),
  }),
  pagerduty: (base, parts) => ({
    ...base,
    summary: line(parts['summary'], PAGERDUTY_SUMMARY_MAX) ?? base.summary,
  }),
  discord: (base, parts) => {
    const [first, ...rest] = base.embeds;
    if (!first) return base;
    const title = line(parts['title'], DISCORD_LIMITS.title) ?? first.title;
    const description =
      parts['description'] === undefined
        ? first.description
        : truncate(parts['description'], DISCORD_LIMITS.description);
    return { ...base, embeds: [{ ...first, title, description }, ...rest] };
  },
};

/** The built-in content of `kind` with the override's rendered parts in place. */
export async function applyOverride<K extends ChannelKind>(
  kind: K,
  base: ChannelContents[K],
  parts: RenderedParts,
  r: Rendering,
): Promise<ChannelContents[K]> {
  const applier = APPLIERS[kind] as Applier<K>;
  return applier(base, parts, r);
}
