import {
  SLACK_BLOCK_IDS,
  type SlackActionValue,
  type SlackContent,
  type SlackIssueAction,
  slackActionId,
} from '../../delivery/channels/slack/slack-content.js';
import { escapeSlack } from '../escape.js';
import type { MessageKey } from '../i18n/en.js';
import type { DocList, MessageDoc } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { clip, fitEscaped, oneLine, safeUrl, truncate } from '../text.js';

/** Slack's Block Kit limits Herald renders within. */
export const SLACK_BLOCK_LIMITS = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  field: 2000,
  button: 75,
  buttonUrl: 3000,
  contextElements: 10,
  actions: 5,
  listItems: 20,
  stackLines: 10,
  tags: 20,
} as const;

type Block = SlackContent['blocks'][number];
type RichElement = Record<string, unknown>;

/** A literal rich-text run: Slack reads no markup, links or mentions inside rich text `text` elements. */
const text = (value: string, style?: Record<string, boolean>): RichElement =>
  style ? { type: 'text', text: value, style } : { type: 'text', text: value };

const plain = (value: string, max: number) => ({
  type: 'plain_text',
  text: fitEscaped(value, max, escapeSlack) || ' ',
  emoji: false,
});

/** A URL inside mrkdwn `<url|label>`: a `|` or `>` would end it early. */
function mrkdwnUrl(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E');
}

function richText(...elements: RichElement[]): Block {
  return { type: 'rich_text', elements };
}

function fieldsBlock(doc: MessageDoc): Block | undefined {
  if (doc.fields.length === 0) return undefined;
  const runs = doc.fields.flatMap((f, i) => [
    text(f.label, { bold: true }),
    text(`: ${truncate(oneLine(f.value), SLACK_BLOCK_LIMITS.field)}${i < doc.fields.length - 1 ? '\n' : ''}`),
  ]);
  return richText({ type: 'rich_text_section', elements: runs });
}

function stackBlock(doc: MessageDoc, r: Rendering): Block | undefined {
  if (!doc.stack || doc.stack.lines.length === 0) return undefined;
  const { shown, hidden } = clip(doc.stack.lines, SLACK_BLOCK_LIMITS.stackLines);
  const lines = shown.map((l) => truncate(l, 250));
  if (hidden) lines.push(r.t('list.more', { count: hidden }));
  return richText(
    { type: 'rich_text_section', elements: [text(doc.stack.title, { bold: true })] },
    { type: 'rich_text_preformatted', elements: [text(lines.join('\n'))] },
  );
}

function tagsBlock(doc: MessageDoc, r: Rendering): Block | undefined {
  if (!doc.tags || doc.tags.pairs.length === 0) return undefined;
  const { shown, hidden } = clip(doc.tags.pairs, SLACK_BLOCK_LIMITS.tags);
  const runs: RichElement[] = [text(`${doc.tags.title}\n`, { bold: true })];
  for (const [k, v] of shown)
    runs.push(text(truncate(k, 64), { code: true }), text(` ${truncate(v, 100)}   `));
  if (hidden) runs.push(text(r.t('list.more', { count: hidden }), { italic: true }));
  return richText({ type: 'rich_text_section', elements: runs });
}

function listBlock(list: DocList, r: Rendering): Block | undefined {
  if (list.items.length === 0) return undefined;
  const { shown, hidden } = clip(list.items, SLACK_BLOCK_LIMITS.listItems);
  const items = shown.map((item) => {
    const label = truncate(oneLine(item.text), 300);
    const url = safeUrl(item.url);
    const head: RichElement = url ? { type: 'link', url, text: label } : text(label);
    const detail = item.detail ? [text(` · ${truncate(oneLine(item.detail), 200)}`, { italic: true })] : [];
    return { type: 'rich_text_section', elements: [head, ...detail] };
  });
  const blocks: RichElement[] = [
    { type: 'rich_text_section', elements: [text(list.title, { bold: true })] },
    { type: 'rich_text_list', style: 'bullet', elements: items },
  ];
  if (hidden) {
    blocks.push({
      type: 'rich_text_section',
      elements: [text(r.t('list.more', { count: hidden }), { italic: true })],
    });
  }
  return richText(...blocks);
}

/** A button's `value` when Slack will call back (see `slackActionValueSchema`); else none. */
function buttonValue(r: Rendering, issueId?: string): { value: string } | Record<string, never> {
  const interaction = r.context.interaction;
  if (!interaction) return {};
  const value: SlackActionValue = {
    delivery: interaction.deliveryId,
    ...(issueId === undefined ? {} : { issue: issueId }),
  };
  return { value: JSON.stringify(value) };
}

function actionsBlock(doc: MessageDoc, r: Rendering): Block | undefined {
  const buttons = doc.actions
    .map((a) => ({ label: a.label, url: safeUrl(a.url) }))
    .filter(
      (a): a is { label: string; url: string } => !!a.url && a.url.length <= SLACK_BLOCK_LIMITS.buttonUrl,
    )
    .slice(0, SLACK_BLOCK_LIMITS.actions)
    .map((a, i) => ({
      type: 'button',
      action_id: `herald_link_${i}`,
      text: plain(a.label, SLACK_BLOCK_LIMITS.button),
      url: a.url,
      ...buttonValue(r),
      ...(i === 0 ? { style: 'primary' } : {}),
    }));
  return buttons.length ? { type: 'actions', elements: buttons } : undefined;
}

const ISSUE_BUTTONS: readonly (readonly [SlackIssueAction, MessageKey])[] = [
  ['resolve', 'action.resolve'],
  ['ignore', 'action.ignore'],
  ['assign_me', 'action.assignToMe'],
];

/**
 * Resolve, ignore and take the issue, only when Slack's answer can come back verified (the context
 * says so): a button whose callback Herald would have to refuse is worse than none.
 */
function issueActionsBlock(doc: MessageDoc, r: Rendering): Block | undefined {
  if (!r.context.interaction || !doc.issueId) return undefined;
  const value = buttonValue(r, doc.issueId);
  return {
    type: 'actions',
    block_id: SLACK_BLOCK_IDS.issueActions,
    elements: ISSUE_BUTTONS.map(([action, label]) => ({
      type: 'button',
      action_id: slackActionId(action),
      text: plain(r.t(label), SLACK_BLOCK_LIMITS.button),
      ...value,
    })),
  };
}

/** The line a Slack message shows once someone acted on its issue ("Resolved by Ana"). */
export function slackIssueStatusBlock(line: string): Block {
  return {
    type: 'context',
    block_id: SLACK_BLOCK_IDS.issueStatus,
    elements: [plain(line, SLACK_BLOCK_LIMITS.sectionText)],
  };
}

function footerBlock(doc: MessageDoc, r: Rendering): Block {
  const elements: Record<string, unknown>[] = doc.footer
    .slice(0, SLACK_BLOCK_LIMITS.contextElements - 1)
    .map((line) => plain(line, SLACK_BLOCK_LIMITS.sectionText));
  const settings = safeUrl(r.context.links.settings);
  if (settings) {
    elements.push({
      type: 'mrkdwn',
      text: `<${mrkdwnUrl(settings)}|${escapeSlack(r.t('action.settings'))}>`,
    });
  }
  return { type: 'context', elements };
}

/** Renders a message as Slack Block Kit within Slack's limits; event text goes only into literal runs. */
export function renderSlack(doc: MessageDoc, r: Rendering, threadKey?: string): SlackContent {
  const blocks: (Block | undefined)[] = [
    { type: 'header', text: plain(oneLine(doc.title), SLACK_BLOCK_LIMITS.header) },
    { type: 'context', elements: [plain(doc.intro, SLACK_BLOCK_LIMITS.sectionText)] },
    doc.message
      ? richText({
          type: 'rich_text_quote',
          elements: [text(truncate(doc.message, SLACK_BLOCK_LIMITS.sectionText))],
        })
      : undefined,
    fieldsBlock(doc),
    stackBlock(doc, r),
    tagsBlock(doc, r),
    ...doc.lists.map((l) => listBlock(l, r)),
    actionsBlock(doc, r),
    issueActionsBlock(doc, r),
    footerBlock(doc, r),
  ];
  const kept = blocks.filter((b): b is Block => b !== undefined).slice(0, SLACK_BLOCK_LIMITS.blocks);
  return {
    text: fitEscaped(oneLine(doc.subject), SLACK_BLOCK_LIMITS.sectionText, escapeSlack) || ' ',
    blocks: kept,
    ...(threadKey ? { threadKey } : {}),
  };
}
