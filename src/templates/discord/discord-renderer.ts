import {
  DISCORD_LIMITS,
  type DiscordContent,
  discordLimitProblem,
} from '../../delivery/channels/discord/discord-content.js';
import { codeBlockSafe, defuseDiscordMentions, escapeDiscord, markdownLinkTarget } from '../escape.js';
import type { DocList, MessageDoc, Tone } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { clip, fitEscaped, oneLine, safeUrl, truncate } from '../text.js';

/** Embed colours by tone. */
const COLORS: Readonly<Record<Tone, number>> = {
  fatal: 0xa40e26,
  error: 0xcf222e,
  warning: 0xbf8700,
  info: 0x0969da,
  success: 0x1a7f37,
  neutral: 0x57606a,
};

type Embed = DiscordContent['embeds'][number];
type Field = NonNullable<Embed['fields']>[number];

/** Markdown-escaped `text` that fits `max` after escaping. */
const md = (text: string, max: number) => fitEscaped(text, max, escapeDiscord);

/** A masked link; the label is escaped so it cannot close the brackets, the target cannot close the parens. */
function mdLink(label: string, url: string | undefined, max: number): string {
  const target = safeUrl(url);
  const escaped = md(oneLine(label), max);
  return target ? `[${escaped}](${markdownLinkTarget(target)})` : escaped;
}

/** Lines joined until the next would pass `max`; the rest is counted in a "… and N more" line. */
function joinWithin(lines: readonly string[], max: number, more: (n: number) => string): string {
  const kept: string[] = [];
  let size = 0;
  for (const [i, line] of lines.entries()) {
    const tail = i < lines.length - 1 ? more(lines.length - i).length + 1 : 0;
    if (size + line.length + 1 + tail > max) {
      kept.push(more(lines.length - i));
      break;
    }
    kept.push(line);
    size += line.length + 1;
  }
  return kept.join('\n');
}

function listField(list: DocList, r: Rendering): Field | undefined {
  if (list.items.length === 0) return undefined;
  const lines = list.items.map((item) => {
    const detail = item.detail ? ` · ${md(oneLine(item.detail), 100)}` : '';
    return `• ${mdLink(item.text, item.url, 200)}${detail}`;
  });
  const more = (n: number) => escapeDiscord(r.t('list.more', { count: n }));
  return {
    name: md(list.title, DISCORD_LIMITS.fieldName),
    value: joinWithin(lines, DISCORD_LIMITS.fieldValue, more),
  };
}

function embed(doc: MessageDoc, r: Rendering, scale: number): Embed {
  const fields: Field[] = doc.fields.map((f) => ({
    name: md(f.label, DISCORD_LIMITS.fieldName),
    value: md(oneLine(f.value), Math.floor(300 * scale)) || '\u200b',
    inline: true,
  }));
  const more = (n: number) => r.t('list.more', { count: n });
  if (doc.stack?.lines.length) {
    const { shown } = clip(doc.stack.lines, Math.max(1, Math.floor(10 * scale)));
    const body = joinWithin(
      shown.map((l) => defuseDiscordMentions(codeBlockSafe(truncate(l, 200)))),
      DISCORD_LIMITS.fieldValue - 8,
      more,
    );
    fields.push({ name: md(doc.stack.title, DISCORD_LIMITS.fieldName), value: `\`\`\`\n${body}\n\`\`\`` });
  }
  if (doc.tags?.pairs.length) {
    const pairs = doc.tags.pairs.map(([k, v]) => `${md(truncate(k, 64), 140)}: ${md(truncate(v, 200), 420)}`);
    const escapedMore = (n: number) => escapeDiscord(more(n));
    fields.push({
      name: md(doc.tags.title, DISCORD_LIMITS.fieldName),
      value: joinWithin(
        pairs.slice(0, Math.max(1, Math.floor(30 * scale))),
        Math.floor(DISCORD_LIMITS.fieldValue * scale),
        escapedMore,
      ),
    });
  }
  for (const list of doc.lists) {
    const field = listField(list, r);
    if (field) fields.push(field);
  }
  // In order, those that fit the field: an address from an alert (a Prometheus graph URL) may be long.
  const links: string[] = [];
  let linksLength = 0;
  for (const a of [...doc.actions, { label: r.t('action.settings'), url: r.context.links.settings }]) {
    if (!safeUrl(a.url)) continue;
    const link = mdLink(a.label, a.url, 80);
    const length = linksLength + (links.length > 0 ? ' · '.length : 0) + link.length;
    if (length > DISCORD_LIMITS.fieldValue) continue;
    links.push(link);
    linksLength = length;
  }
  if (links.length) fields.push({ name: '\u200b', value: links.join(' · ') });
  const description = [
    md(doc.intro, 500),
    doc.message
      ? `\`\`\`\n${defuseDiscordMentions(codeBlockSafe(truncate(doc.message, Math.floor(1500 * scale))))}\n\`\`\``
      : '',
  ]
    .filter(Boolean)
    .join('\n');
  const url = safeUrl(doc.url);
  const footer = defuseDiscordMentions(
    truncate(doc.footer.join(' · ') || doc.orgName, DISCORD_LIMITS.footer),
  );
  return {
    title: md(oneLine(doc.title), DISCORD_LIMITS.title),
    ...(url ? { url } : {}),
    description: truncate(description, DISCORD_LIMITS.description),
    color: COLORS[doc.tone],
    ...(r.context.timestamp !== undefined ? { timestamp: new Date(r.context.timestamp).toISOString() } : {}),
    fields: fields.slice(0, DISCORD_LIMITS.fields),
    footer: { text: footer },
    author: { name: defuseDiscordMentions(truncate(doc.source, DISCORD_LIMITS.author)) },
  };
}

/** Renders a message as one Discord embed within Discord's limits; mentions and links from data are inert. */
export function renderDiscord(doc: MessageDoc, r: Rendering): DiscordContent {
  let content: DiscordContent = { embeds: [embed(doc, r, 1)], username: 'Herald' };
  for (let scale = 0.5; discordLimitProblem(content) && scale > 0.05; scale /= 2) {
    content = { embeds: [embed(doc, r, scale)], username: 'Herald' };
  }
  return content;
}
