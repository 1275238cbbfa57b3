import { convert } from 'html-to-text';
import type { MessageDoc } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { clip, oneLine, safeUrl, truncate } from '../text.js';

const LIMITS = { stackLines: 12, tags: 30, listItems: 25, message: 2000 } as const;

/** The footer every text part ends with: why it came, settings, unsubscribe. */
function footer(doc: MessageDoc, r: Rendering): string[] {
  const { links } = r.context;
  const lines = [
    '--',
    r.t('footer.why', { org: doc.orgName }),
    `${r.t('action.settings')}: ${links.settings}`,
  ];
  const unsubscribe = safeUrl(links.unsubscribe);
  if (unsubscribe) lines.push(`${r.t('action.unsubscribe')}: ${unsubscribe}`);
  return lines;
}

/**
 * The text part, written from the message itself rather than converted from HTML, so it reads well in
 * clients that show only text. With an override's HTML, that HTML is converted instead.
 */
export function emailText(doc: MessageDoc, r: Rendering, overrideHtml?: string): string {
  if (overrideHtml !== undefined) {
    return [convert(overrideHtml, { wordwrap: 100 }), '', ...footer(doc, r)].join('\n');
  }
  const out: string[] = [doc.intro, oneLine(doc.title)];
  const url = safeUrl(doc.url);
  if (url) out.push(url);
  if (doc.message) out.push('', truncate(doc.message, LIMITS.message));
  if (doc.fields.length) out.push('', ...doc.fields.map((f) => `${f.label}: ${oneLine(f.value)}`));
  if (doc.stack?.lines.length) {
    const { shown, hidden } = clip(doc.stack.lines, LIMITS.stackLines);
    out.push('', doc.stack.title, ...shown.map((l) => `  ${oneLine(l)}`));
    if (hidden) out.push(`  ${r.t('list.more', { count: hidden })}`);
  }
  if (doc.tags?.pairs.length) {
    const { shown, hidden } = clip(doc.tags.pairs, LIMITS.tags);
    out.push('', doc.tags.title, ...shown.map(([k, v]) => `  ${oneLine(k)}: ${oneLine(v)}`));
    if (hidden) out.push(`  ${r.t('list.more', { count: hidden })}`);
  }
  for (const list of doc.lists) {
    if (list.items.length === 0) continue;
    const { shown, hidden } = clip(list.items, LIMITS.listItems);
    out.push('', list.title);
    for (const item of shown) {
      out.push(`  - ${oneLine(item.text)}${item.detail ? ` (${oneLine(item.detail)})` : ''}`);
      const itemUrl = safeUrl(item.url);
      if (itemUrl) out.push(`    ${itemUrl}`);
    }
    if (hidden) out.push(`  ${r.t('list.more', { count: hidden })}`);
  }
  const actions = doc.actions.filter((a) => safeUrl(a.url));
  if (actions.length) out.push('', ...actions.map((a) => `${a.label}: ${safeUrl(a.url)}`));
  if (doc.footer.length) out.push('', ...doc.footer);
  out.push('', ...footer(doc, r));
  return `${out.join('\n')}\n`;
}
