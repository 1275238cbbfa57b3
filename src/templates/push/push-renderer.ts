import { PUSH_MAX_PAYLOAD_BYTES, type PushContent } from '../../delivery/channels/push/push-content.js';
import type { MessageDoc } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { oneLine, safeUrl, truncate, truncateBytes } from '../text.js';

/** What the renderer gives web push; the delivery stage adds the recipient's subscription. */
export type PushRendered = Omit<PushContent, 'subscription'>;

/** Titles longer than this are cut by most browsers anyway. */
const TITLE_MAX = 120;

/** A push topic (RFC 8030: base64url, at most 32 characters) from a thread key, so a newer push replaces an older one. */
export function pushTopic(threadKey: string | undefined): string | undefined {
  if (!threadKey) return undefined;
  const topic = threadKey.replace(/[^A-Za-z0-9_-]/g, '_').slice(-32);
  return topic.length > 0 ? topic : undefined;
}

/** Renders a message as a web push: title, body and link, the JSON within the encrypted payload limit. */
export function renderPush(
  doc: MessageDoc,
  r: Rendering,
  threadKey?: string,
  critical = false,
): PushRendered {
  const title = truncate(oneLine(doc.subject), TITLE_MAX) || ' ';
  const url = safeUrl(doc.url) ?? safeUrl(r.context.links.settings) ?? r.context.baseUrl;
  const full = [doc.intro, doc.message ? oneLine(doc.message) : ''].filter(Boolean).join('\n');
  const overhead = Buffer.byteLength(JSON.stringify({ title, body: '', url }));
  // JSON escaping may grow the body (quotes, control characters); measure escaped, keep a margin.
  let budget = PUSH_MAX_PAYLOAD_BYTES - overhead - 16;
  let body = truncateBytes(full, budget);
  while (Buffer.byteLength(JSON.stringify(body)) - 2 > PUSH_MAX_PAYLOAD_BYTES - overhead && budget > 0) {
    budget -= 64;
    body = truncateBytes(full, budget);
  }
  const topic = pushTopic(threadKey);
  return { title, body, url, urgency: critical ? 'high' : 'normal', ...(topic ? { topic } : {}) };
}
