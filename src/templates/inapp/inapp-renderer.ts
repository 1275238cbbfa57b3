import { z } from 'zod';
import type { MessageDoc } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { oneLine, safeUrl, truncate } from '../text.js';

/** What the in-app inbox stores and streams: plain text the web UI shows as text, and a link. */
export const inappContentSchema = z.object({
  title: z.string().min(1).max(300),
  body: z.string().max(1000),
  url: z.string(),
});

/** The in-app content shape. */
export type InAppContent = z.infer<typeof inappContentSchema>;

/** Renders a message for the in-app inbox. */
export function renderInApp(doc: MessageDoc, r: Rendering): InAppContent {
  const body = [doc.intro, doc.message ? oneLine(doc.message) : ''].filter(Boolean).join('\n');
  return {
    title: truncate(oneLine(doc.subject), 300) || ' ',
    body: truncate(body, 1000),
    url: safeUrl(doc.url) ?? safeUrl(r.context.links.settings) ?? r.context.baseUrl,
  };
}
