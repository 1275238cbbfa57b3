import {
  PAGERDUTY_SUMMARY_MAX,
  type PagerDutyContent,
} from '../../delivery/channels/pagerduty/pagerduty-content.js';
import type { MessageDoc, Tone } from '../message-doc.js';
import type { Rendering } from '../render-context.js';
import { oneLine, safeUrl, truncate } from '../text.js';

const SEVERITIES: Readonly<Record<Tone, PagerDutyContent['severity']>> = {
  fatal: 'critical',
  error: 'error',
  warning: 'warning',
  info: 'info',
  success: 'info',
  neutral: 'info',
};

/** What a type tells PagerDuty besides the message: the incident key and whether it opens or closes. */
export interface PagerDutyOptions {
  readonly dedupKey: string;
  readonly eventAction: PagerDutyContent['eventAction'];
  /** Flat details shown on the incident (the type's metadata). */
  readonly details: Readonly<Record<string, string>>;
}

/** Renders a message as a PagerDuty Events v2 event; severity follows the message's tone. */
export function renderPagerDuty(doc: MessageDoc, r: Rendering, options: PagerDutyOptions): PagerDutyContent {
  const links = doc.actions
    .map((a) => ({ href: safeUrl(a.url), text: a.label }))
    .filter((l): l is { href: string; text: string } => l.href !== undefined);
  return {
    eventAction: options.eventAction,
    dedupKey: truncate(options.dedupKey, 255),
    summary: truncate(oneLine(doc.subject), PAGERDUTY_SUMMARY_MAX) || doc.intro,
    severity: SEVERITIES[doc.tone],
    source: truncate(doc.source, 255) || 'herald',
    class: options.details['type'] ?? 'herald',
    group: doc.orgName,
    customDetails: {
      ...options.details,
      ...(doc.message ? { message: truncate(doc.message, 4000) } : {}),
      ...(doc.stack ? { stack: doc.stack.lines.slice(0, 20) } : {}),
    },
    ...(links.length ? { links } : {}),
    clientUrl: r.context.baseUrl,
  };
}
