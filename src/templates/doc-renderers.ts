import type { PagerDutyContent } from '../delivery/channels/pagerduty/pagerduty-content.js';
import type { ChannelRenderers } from '../notifications/notification-type.js';
import { sha256Hex } from '../security/sha256.js';
import { renderDiscord } from './discord/discord-renderer.js';
import { renderEmail } from './email/email-renderer.js';
import { renderInApp } from './inapp/inapp-renderer.js';
import type { MessageDoc } from './message-doc.js';
import { renderMsTeams } from './msteams/msteams-renderer.js';
import { renderPagerDuty } from './pagerduty/pagerduty-renderer.js';
import { renderPush } from './push/push-renderer.js';
import { type Rendering, rendering } from './render-context.js';
import { renderSlack } from './slack/slack-renderer.js';
import { renderWebhook } from './webhook/webhook-renderer.js';

/** What a type gives to get a renderer for every channel from one {@link MessageDoc}. */
export interface DocRendererSpec<P extends object> {
  readonly id: string;
  /** What the message says, in the recipient's language. */
  readonly doc: (payload: P, r: Rendering) => MessageDoc;
  readonly threadKey?: (payload: P) => string | undefined;
  readonly metadata: (payload: P) => Readonly<Record<string, string>>;
  readonly critical: (payload: P) => boolean;
  /** PagerDuty: `resolve` closes the incident the earlier triggers opened. Default `trigger`. */
  readonly eventAction?: (payload: P) => PagerDutyContent['eventAction'];
}

/** A dedup key for types without a thread: the same metadata always gives the same key. */
function fallbackDedupKey(id: string, metadata: Readonly<Record<string, string>>): string {
  const digest = sha256Hex(JSON.stringify(metadata)).slice(0, 24);
  return `${id}:${digest}`;
}

/** Renderers for every channel kind built from a type's message doc; the webhook sends the payload itself. */
export function docRenderers<P extends object>(spec: DocRendererSpec<P>): ChannelRenderers<P> {
  const build = (payload: P, context: Parameters<typeof rendering>[0]) => {
    const r = rendering(context);
    return { r, doc: spec.doc(payload, r) };
  };
  return {
    email: (payload, context) => {
      const { doc, r } = build(payload, context);
      return renderEmail(doc, r);
    },
    slack: (payload, context) => {
      const { doc, r } = build(payload, context);
      return renderSlack(doc, r, spec.threadKey?.(payload));
    },
    msteams: (payload, context) => {
      const { doc, r } = build(payload, context);
      return renderMsTeams(doc, r);
    },
    discord: (payload, context) => {
      const { doc, r } = build(payload, context);
      return renderDiscord(doc, r);
    },
    push: (payload, context) => {
      const { doc, r } = build(payload, context);
      return renderPush(doc, r, spec.threadKey?.(payload), spec.critical(payload));
    },
    inapp: (payload, context) => {
      const { doc, r } = build(payload, context);
      return renderInApp(doc, r);
    },
    pagerduty: (payload, context) => {
      const { doc, r } = build(payload, context);
      const metadata = spec.metadata(payload);
      return renderPagerDuty(doc, r, {
        dedupKey: spec.threadKey?.(payload) ?? fallbackDedupKey(spec.id, metadata),
        eventAction: spec.eventAction?.(payload) ?? 'trigger',
        details: { type: spec.id, ...metadata },
      });
    },
    webhook: (payload, context) => renderWebhook(spec.id, payload, context),
  };
}
