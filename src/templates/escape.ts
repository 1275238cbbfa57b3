/**
 * Escaping for every markup Herald writes. Event data is untrusted: after these, no field can open a
 * tag, a link, a mention or formatting in the channel it is shown in.
 */

const HTML: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML text and attribute values (also MJML content). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML[c]!);
}

/**
 * Slack text (mrkdwn and plain_text): `&`, `<` and `>` are the only control characters, so
 * `<!channel>`, `<@U123>` and `<https://evil|click>` arrive as inert text.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Discord markdown: every markup character is backslash-escaped (Discord shows an escaped punctuation
 * mark as itself), and `@everyone` / `@here` get a zero-width space so they cannot ping.
 */
export function escapeDiscord(text: string): string {
  return text
    .replace(/[\\*_~`|>#[\]()<:-]/g, (c) => `\\${c}`)
    .replace(/@(everyone|here)/gi, `@${ZERO_WIDTH_SPACE}$1`);
}

/** Discord text shown without markdown (footers, authors): only the mass mentions need defusing. */
export function defuseDiscordMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, `@${ZERO_WIDTH_SPACE}$1`);
}

/**
 * Text inside a fenced code block (Slack, Discord): a backtick run could close the fence, so backticks
 * become a look-alike modifier letter.
 */
export function codeBlockSafe(text: string): string {
  return text.replace(/`/g, 'ˋ');
}

/** A URL as the target of a Markdown link: parentheses and spaces would end the target early. */
export function markdownLinkTarget(url: string): string {
  return url.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
