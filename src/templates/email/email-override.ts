import { convert } from 'html-to-text';
import type { EmailContent } from '../../delivery/channels/email/email-content.js';
import { escapeHtml as h } from '../escape.js';
import type { Rendering } from '../render-context.js';
import { oneLine, safeUrl, truncate } from '../text.js';
import { EMAIL_COLORS as C, FONTS } from './email-theme.js';
import { compileMjml } from './mjml-compiler.js';

/** Rendered (already escaped) parts of an email override. */
export interface EmailOverrideParts {
  readonly subject?: string;
  readonly html?: string;
  readonly text?: string;
}

function footerLinks(r: Rendering): { html: string; text: string[] } {
  const links = [{ label: r.t('action.settings'), url: safeUrl(r.context.links.settings) }];
  const unsubscribe = safeUrl(r.context.links.unsubscribe);
  if (unsubscribe) links.push({ label: r.t('action.unsubscribe'), url: unsubscribe });
  const kept = links.filter((l): l is { label: string; url: string } => l.url !== undefined);
  return {
    html: kept.map((l) => `<a href="${h(l.url)}" style="color:${C.muted}">${h(l.label)}</a>`).join(' · '),
    text: kept.map((l) => `${l.label}: ${l.url}`),
  };
}

/**
 * An email with an organization's own body: their HTML inside Herald's card, and Herald's footer with
 * the settings and unsubscribe links, which an override cannot remove.
 */
export async function overrideEmail(
  base: EmailContent,
  parts: EmailOverrideParts,
  r: Rendering,
): Promise<EmailContent> {
  const subject =
    parts.subject !== undefined ? truncate(oneLine(parts.subject), 250) || base.subject : base.subject;
  if (parts.html === undefined && parts.text === undefined) return { ...base, subject };
  const footer = footerLinks(r);
  let html = base.html;
  if (parts.html !== undefined) {
    const source = `<mjml lang="${h(r.i18n.locale)}"><mj-head><mj-title>${h(subject)}</mj-title>
<mj-attributes><mj-all font-family="${h(FONTS.body)}"/><mj-text font-size="14px" line-height="21px" color="${C.text}"/></mj-attributes></mj-head>
<mj-body background-color="${C.page}" width="640px">
<mj-section padding="24px 0 0"></mj-section>
<mj-wrapper padding="0" background-color="${C.card}" border="1px solid ${C.border}" border-radius="8px">
<mj-section padding="20px 0"><mj-column><mj-text padding="0 24px">${parts.html}</mj-text></mj-column></mj-section>
</mj-wrapper>
<mj-section padding="16px 0 32px"><mj-column><mj-text padding="0 24px" font-size="12px" color="${C.muted}">${footer.html}</mj-text></mj-column></mj-section>
</mj-body></mjml>`;
    html = (await compileMjml(source, { validationLevel: 'soft' })).html;
  }
  const text = parts.text ?? (parts.html !== undefined ? convert(parts.html, { wordwrap: 100 }) : base.text);
  return { ...base, subject, html, text: `${text.trimEnd()}\n\n--\n${footer.text.join('\n')}\n` };
}
