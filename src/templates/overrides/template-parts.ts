import type { ChannelKind } from '../../delivery/channel.js';
import { escapeDiscord, escapeHtml, escapeSlack } from '../escape.js';

/** How a part's `{{ output }}` is escaped: by the markup the part's text ends up in. */
export const PART_ESCAPES = {
  /** HTML (email bodies). */
  html: escapeHtml,
  /** Slack mrkdwn: `&`, `<`, `>`. */
  slack: escapeSlack,
  /** Inside a JSON string literal. */
  json: (text: string) => JSON.stringify(text).slice(1, -1),
  /** Inside a JSON string literal of Slack blocks: Slack-escaped, then JSON-escaped. */
  slackJson: (text: string) => JSON.stringify(escapeSlack(text)).slice(1, -1),
  /** Discord markdown. */
  discord: escapeDiscord,
  /** Plain text fields that no client parses (subjects, push, PagerDuty, Teams text runs). */
  none: (text: string) => text,
} as const;

/** One of the keys of {@link PART_ESCAPES}. */
export type PartEscape = keyof typeof PART_ESCAPES;

/** One overridable part of a channel's content. */
export interface TemplatePart {
  readonly name: string;
  readonly escape: PartEscape;
  /** The rendered text must be JSON (Slack blocks, webhook data). */
  readonly json?: boolean;
  readonly description: string;
}

/**
 * What an organization may override per channel. Parts not given keep Herald's built-in rendering, so
 * an override can change just the email subject.
 */
export const TEMPLATE_PARTS: Readonly<Record<ChannelKind, readonly TemplatePart[]>> = {
  email: [
    { name: 'subject', escape: 'none', description: 'Subject line (one line)' },
    {
      name: 'html',
      escape: 'html',
      description: 'HTML of the message body, inside Herald’s layout and footer',
    },
    { name: 'text', escape: 'none', description: 'Text part; default: converted from `html`' },
  ],
  slack: [
    { name: 'text', escape: 'slack', description: 'Fallback text (mrkdwn) shown in notifications' },
    { name: 'blocks', escape: 'slackJson', json: true, description: 'Block Kit blocks as a JSON array' },
  ],
  msteams: [
    { name: 'title', escape: 'none', description: 'Card heading' },
    { name: 'text', escape: 'none', description: 'Card text' },
  ],
  webhook: [{ name: 'data', escape: 'json', json: true, description: 'The body’s `data` as a JSON object' }],
  push: [
    { name: 'title', escape: 'none', description: 'Notification title' },
    { name: 'body', escape: 'none', description: 'Notification body' },
  ],
  inapp: [
    { name: 'title', escape: 'none', description: 'Inbox title' },
    { name: 'body', escape: 'none', description: 'Inbox text' },
  ],
  pagerduty: [{ name: 'summary', escape: 'none', description: 'Incident summary (at most 1024 characters)' }],
  discord: [
    { name: 'title', escape: 'discord', description: 'Embed title' },
    { name: 'description', escape: 'discord', description: 'Embed description (markdown)' },
  ],
};

/** The part `name` of `channel`, if it exists. */
export function templatePart(channel: ChannelKind, name: string): TemplatePart | undefined {
  return TEMPLATE_PARTS[channel].find((p) => p.name === name);
}
