import type { MsTeamsContent } from '../../delivery/channels/msteams/msteams-content.js';
import {
  MSTEAMS_MAX_PAYLOAD_BYTES,
  msteamsEnvelope,
} from '../../delivery/channels/msteams/msteams-content.js';
import type { DocList, MessageDoc, Tone } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { clip, oneLine, safeUrl, truncate } from '../text.js';

/** How much a card shows; halved (and halved again) while the card is over Teams' payload size. */
const BASE = { message: 2000, stackLines: 12, tags: 30, listItems: 20, field: 500 } as const;

type Limits = { readonly [K in keyof typeof BASE]: number };
type Element = Record<string, unknown>;

const CONTAINER_STYLES: Readonly<Record<Tone, string>> = {
  fatal: 'attention',
  error: 'attention',
  warning: 'warning',
  info: 'accent',
  success: 'good',
  neutral: 'emphasis',
};

/**
 * A run of literal text. Teams parses Markdown in TextBlock and FactSet, never in a RichTextBlock's
 * TextRun, so every string that may hold event data goes into one of these.
 */
function run(text: string, extra: Element = {}): Element {
  return { type: 'TextRun', text, ...extra };
}

function rich(inlines: Element[], extra: Element = {}): Element {
  return { type: 'RichTextBlock', inlines, ...extra };
}

function openUrl(url: string | undefined): Element {
  const target = safeUrl(url);
  return target ? { selectAction: { type: 'Action.OpenUrl', url: target } } : {};
}

function fieldRows(doc: MessageDoc, limits: Limits): Element[] {
  return doc.fields.map((f) => ({
    type: 'ColumnSet',
    spacing: 'Small',
    columns: [
      { type: 'Column', width: 'auto', items: [rich([run(f.label, { weight: 'Bolder' })])] },
      {
        type: 'Column',
        width: 'stretch',
        items: [rich([run(truncate(oneLine(f.value), limits.field))])],
      },
    ],
  }));
}

function heading(text: string): Element {
  return rich([run(text, { weight: 'Bolder' })], { spacing: 'Medium' });
}

function stack(doc: MessageDoc, r: Rendering, limits: Limits): Element[] {
  if (!doc.stack || doc.stack.lines.length === 0) return [];
  const { shown, hidden } = clip(doc.stack.lines, limits.stackLines);
  const lines = shown.map((l) =>
    rich([run(truncate(l, 300), { fontType: 'Monospace', size: 'Small' })], { spacing: 'None' }),
  );
  if (hidden) lines.push(rich([run(r.t('list.more', { count: hidden }), { isSubtle: true, size: 'Small' })]));
  return [heading(doc.stack.title), { type: 'Container', style: 'emphasis', items: lines }];
}

function tags(doc: MessageDoc, r: Rendering, limits: Limits): Element[] {
  if (!doc.tags || doc.tags.pairs.length === 0) return [];
  const { shown, hidden } = clip(doc.tags.pairs, limits.tags);
  const inlines = shown.flatMap(([k, v], i) => [
    run(truncate(k, 64), { fontType: 'Monospace', isSubtle: true }),
    run(` ${truncate(v, 200)}${i < shown.length - 1 || hidden ? '  ·  ' : ''}`),
  ]);
  if (hidden) inlines.push(run(r.t('list.more', { count: hidden }), { isSubtle: true }));
  return [heading(doc.tags.title), rich(inlines, { spacing: 'Small' })];
}

function list(l: DocList, r: Rendering, limits: Limits): Element[] {
  if (l.items.length === 0) return [];
  const { shown, hidden } = clip(l.items, limits.listItems);
  const rows = shown.map((item) =>
    rich(
      [
        run(`• ${truncate(oneLine(item.text), 300)}`, {
          ...openUrl(item.url),
          ...(item.url ? { color: 'Accent' } : {}),
        }),
        ...(item.detail ? [run(` · ${truncate(oneLine(item.detail), 200)}`, { isSubtle: true })] : []),
      ],
      { spacing: 'Small' },
    ),
  );
  if (hidden)
    rows.push(rich([run(r.t('list.more', { count: hidden }), { isSubtle: true })], { spacing: 'Small' }));
  return [heading(l.title), ...rows];
}

function card(doc: MessageDoc, r: Rendering, limits: Limits): MsTeamsContent['card'] {
  const body: Element[] = [
    {
      type: 'Container',
      style: CONTAINER_STYLES[doc.tone],
      bleed: true,
      items: [
        rich([run(doc.intro, { weight: 'Bolder', size: 'Small' })]),
        rich(
          [run(truncate(oneLine(doc.title), 300), { size: 'Large', weight: 'Bolder', ...openUrl(doc.url) })],
          {
            spacing: 'Small',
          },
        ),
      ],
    },
  ];
  if (doc.message) body.push(rich([run(truncate(doc.message, limits.message))], { spacing: 'Medium' }));
  body.push(...fieldRows(doc, limits), ...stack(doc, r, limits), ...tags(doc, r, limits));
  for (const l of doc.lists) body.push(...list(l, r, limits));
  if (doc.footer.length) {
    body.push(
      rich([run(doc.footer.join('\n'), { isSubtle: true, size: 'Small' })], {
        spacing: 'Medium',
        separator: true,
      }),
    );
  }
  const actions = [...doc.actions, { label: r.t('action.settings'), url: r.context.links.settings }]
    .map((a) => ({ title: truncate(a.label, 60), url: safeUrl(a.url) }))
    .filter((a): a is { title: string; url: string } => a.url !== undefined)
    .slice(0, 5)
    .map((a) => ({ type: 'Action.OpenUrl', title: a.title, url: a.url }));
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    msteams: { width: 'Full' },
    fallbackText: truncate(oneLine(doc.subject), 300),
    body,
    ...(actions.length ? { actions } : {}),
  };
}

/** Renders a message as an Adaptive Card 1.5 that fits Teams' payload limit. */
export function renderMsTeams(doc: MessageDoc, r: Rendering): MsTeamsContent {
  let limits: Limits = BASE;
  for (let attempt = 0; ; attempt++) {
    const built = card(doc, r, limits);
    const size = Buffer.byteLength(JSON.stringify(msteamsEnvelope(built)));
    if (size <= MSTEAMS_MAX_PAYLOAD_BYTES || attempt >= 6) return { card: built };
    limits = Object.fromEntries(
      Object.entries(limits).map(([k, v]) => [k, Math.max(1, Math.floor(v / 2))]),
    ) as Limits;
  }
}
