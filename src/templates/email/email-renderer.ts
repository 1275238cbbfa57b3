import type { EmailContent } from '../../delivery/channels/email/email-content.js';
import { escapeHtml } from '../escape.js';
import type { DocList, MessageDoc } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { clip, oneLine, safeUrl, truncate } from '../text.js';
import { emailText } from './email-text.js';
import { EMAIL_COLORS as C, FONTS, TONE_COLORS } from './email-theme.js';
import { compileMjml } from './mjml-compiler.js';

/** How much of each part an email shows; the rest is counted ("… and 12 more"). */
export const EMAIL_LIMITS = { message: 2000, stackLines: 12, tags: 30, listItems: 25, subject: 250 } as const;

/** Replacement parts of an email, from an organization's template override (already escaped HTML). */
export interface EmailParts {
  readonly subject?: string;
  /** HTML of the card's content, in place of the built-in body. */
  readonly html?: string;
  readonly text?: string;
}

const h = escapeHtml;

function link(url: string | undefined, label: string, style = ''): string {
  const target = safeUrl(url);
  return target ? `<a href="${h(target)}" style="color:${C.text};${style}">${h(label)}</a>` : h(label);
}

function fieldsTable(doc: MessageDoc): string {
  if (doc.fields.length === 0) return '';
  const rows = doc.fields
    .map(
      (f) =>
        `<tr><td width="1%" style="padding:4px 24px 4px 0;color:${C.muted};white-space:nowrap;vertical-align:top">${h(f.label)}</td>` +
        `<td style="padding:4px 0;word-break:break-word">${h(f.value)}</td></tr>`,
    )
    .join('');
  return `<mj-table padding="8px 24px" font-size="14px" line-height="20px">${rows}</mj-table>`;
}

function stackBlock(doc: MessageDoc, r: Rendering): string {
  if (!doc.stack || doc.stack.lines.length === 0) return '';
  const { shown, hidden } = clip(doc.stack.lines, EMAIL_LIMITS.stackLines);
  const lines = shown.map((l) => h(truncate(l, 300)));
  if (hidden > 0) lines.push(h(r.t('list.more', { count: hidden })));
  return (
    `<mj-text padding="12px 24px 0" font-weight="600">${h(doc.stack.title)}</mj-text>` +
    `<mj-text padding="6px 24px"><div style="background:${C.code};border:1px solid ${C.border};border-radius:6px;` +
    `padding:10px 12px;font-family:${FONTS.mono};font-size:12px;line-height:18px;white-space:pre-wrap;word-break:break-all">` +
    `${lines.join('<br/>')}</div></mj-text>`
  );
}

function tagsBlock(doc: MessageDoc, r: Rendering): string {
  if (!doc.tags || doc.tags.pairs.length === 0) return '';
  const { shown, hidden } = clip(doc.tags.pairs, EMAIL_LIMITS.tags);
  const chips = shown.map(
    ([k, v]) =>
      `<span style="display:inline-block;background:${C.tag};border-radius:4px;padding:2px 8px;margin:0 4px 6px 0;` +
      `font-size:12px;line-height:18px"><span style="color:${C.muted}">${h(truncate(k, 64))}</span> ${h(truncate(v, 200))}</span>`,
  );
  if (hidden > 0)
    chips.push(
      `<span style="font-size:12px;color:${C.muted}">${h(r.t('list.more', { count: hidden }))}</span>`,
    );
  return (
    `<mj-text padding="12px 24px 0" font-weight="600">${h(doc.tags.title)}</mj-text>` +
    `<mj-text padding="6px 24px">${chips.join(' ')}</mj-text>`
  );
}

function listBlock(list: DocList, r: Rendering): string {
  if (list.items.length === 0) return '';
  const { shown, hidden } = clip(list.items, EMAIL_LIMITS.listItems);
  const items = shown.map((item) => {
    const detail = item.detail ? ` <span style="color:${C.muted}">· ${h(item.detail)}</span>` : '';
    return `<li style="margin:0 0 6px">${link(item.url, truncate(oneLine(item.text), 300))}${detail}</li>`;
  });
  if (hidden > 0)
    items.push(`<li style="list-style:none;color:${C.muted}">${h(r.t('list.more', { count: hidden }))}</li>`);
  return (
    `<mj-text padding="12px 24px 0" font-weight="600">${h(list.title)}</mj-text>` +
    `<mj-text padding="6px 24px"><ul style="margin:0;padding-left:20px">${items.join('')}</ul></mj-text>`
  );
}

function actionsBlock(doc: MessageDoc): string {
  const actions = doc.actions.filter((a) => safeUrl(a.url));
  if (actions.length === 0) return '';
  // Inline-block links in one text block keep the buttons side by side and aligned with the text;
  // one column per button would spread them over the card's width.
  const buttons = actions.map((a, i) => {
    const look =
      i === 0
        ? `background:${C.text};color:#ffffff;border:1px solid ${C.text}`
        : `background:${C.card};color:${C.text};border:1px solid ${C.border}`;
    return (
      `<a href="${h(safeUrl(a.url)!)}" style="display:inline-block;${look};border-radius:6px;padding:9px 16px;` +
      `margin:0 8px 8px 0;font-size:14px;font-weight:600;line-height:20px;text-decoration:none">${h(a.label)}</a>`
    );
  });
  return `<mj-section padding="12px 0 4px"><mj-column><mj-text padding="0 24px">${buttons.join('')}</mj-text></mj-column></mj-section>`;
}

/** The built-in card content: intro, title, message, fields, stack, tags, lists, buttons, small print. */
function cardSections(doc: MessageDoc, r: Rendering): string {
  const accent = TONE_COLORS[doc.tone];
  const message = doc.message
    ? `<mj-text padding="4px 24px 8px" color="${C.muted}"><div style="white-space:pre-wrap;word-break:break-word">${h(truncate(doc.message, EMAIL_LIMITS.message))}</div></mj-text>`
    : '';
  const footer = doc.footer.length
    ? `<mj-text padding="12px 24px 0" font-size="12px" color="${C.muted}">${doc.footer.map(h).join('<br/>')}</mj-text>`
    : '';
  return (
    `<mj-section padding="20px 0 0"><mj-column>` +
    `<mj-text padding="0 24px 4px" font-size="13px" font-weight="600" color="${accent}">${h(doc.intro)}</mj-text>` +
    `<mj-text padding="0 24px 8px" font-size="20px" line-height="28px" font-weight="600">` +
    `${link(doc.url, truncate(oneLine(doc.title), 300), 'text-decoration:none')}</mj-text>` +
    message +
    fieldsTable(doc) +
    stackBlock(doc, r) +
    tagsBlock(doc, r) +
    doc.lists.map((l) => listBlock(l, r)).join('') +
    `</mj-column></mj-section>` +
    actionsBlock(doc) +
    (footer
      ? `<mj-section padding="0 0 20px"><mj-column>${footer}</mj-column></mj-section>`
      : '<mj-section padding="0 0 12px"></mj-section>')
  );
}

function layout(doc: MessageDoc, r: Rendering, subject: string, card: string): string {
  const { links } = r.context;
  const accent = TONE_COLORS[doc.tone];
  const bottomLinks = [link(links.settings, r.t('action.settings'), `color:${C.muted}`)];
  if (links.unsubscribe)
    bottomLinks.push(link(links.unsubscribe, r.t('action.unsubscribe'), `color:${C.muted}`));
  return `<mjml lang="${h(r.i18n.locale)}">
<mj-head>
<mj-title>${h(subject)}</mj-title>
<mj-preview>${h(truncate(oneLine(doc.intro + ' · ' + doc.title), 140))}</mj-preview>
<mj-attributes>
<mj-all font-family="${h(FONTS.body)}"/>
<mj-text font-size="14px" line-height="21px" color="${C.text}"/>
</mj-attributes>
</mj-head>
<mj-body background-color="${C.page}" width="640px">
<mj-section padding="24px 0 12px"><mj-column>
<mj-text padding="0 24px" font-size="13px" color="${C.muted}">${h(r.t('footer.org', { org: doc.orgName }))}</mj-text>
</mj-column></mj-section>
<mj-wrapper padding="0" background-color="${C.card}" border="1px solid ${C.border}" border-top="4px solid ${accent}" border-radius="8px">
${card}
</mj-wrapper>
<mj-section padding="16px 0 32px"><mj-column>
<mj-text padding="0 24px" font-size="12px" line-height="18px" color="${C.muted}">${h(r.t('footer.why', { org: doc.orgName }))}<br/>${bottomLinks.join(' · ')}</mj-text>
</mj-column></mj-section>
</mj-body>
</mjml>`;
}

/** Headers that make one-click unsubscribe work (RFC 8058) when the context carries the link. */
function unsubscribeHeaders(r: Rendering): Record<string, string> | undefined {
  const url = safeUrl(r.context.links.unsubscribe);
  if (!url) return undefined;
  return { 'List-Unsubscribe': `<${url}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** Renders a message as a responsive email (MJML) with a text part. */
export async function renderEmail(
  doc: MessageDoc,
  r: Rendering,
  parts: EmailParts = {},
): Promise<EmailContent> {
  const subject = truncate(oneLine(parts.subject ?? doc.subject), EMAIL_LIMITS.subject) || doc.subject;
  const card =
    parts.html === undefined
      ? cardSections(doc, r)
      : `<mj-section padding="20px 0"><mj-column><mj-text padding="0 24px">${parts.html}</mj-text></mj-column></mj-section>`;
  const { html } = await compileMjml(layout(doc, r, subject, card), { validationLevel: 'soft' });
  const headers = unsubscribeHeaders(r);
  return {
    subject,
    html,
    text: parts.text ?? emailText(doc, r, parts.html),
    ...(headers ? { headers } : {}),
  };
}
