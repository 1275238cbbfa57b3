import { type MessageValues, type Translator, translator } from './i18n/translator.js';

/** Links a message may carry; built by the caller for this recipient (signed unsubscribe, mute). */
export interface RenderLinks {
  /** The issue (or release, rule, …) the message is about, when it has a page. */
  readonly issue?: string;
  /** Mutes the rule that fired, for this recipient. */
  readonly muteRule?: string;
  /** The recipient's notification settings. */
  readonly settings: string;
  /** One-click unsubscribe (email), signed for this recipient. */
  readonly unsubscribe?: string;
}

/** Who a message is rendered for and where its links point. */
export interface RenderContext {
  /** BCP 47 tag, e.g. `fr-CA`; falls back `fr-CA → fr → en`. */
  readonly locale: string;
  /** IANA zone of the recipient, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
  /** Herald's public base URL. */
  readonly baseUrl: string;
  readonly links: RenderLinks;
  /** The notification being rendered; webhook bodies carry it. */
  readonly notificationId?: string;
  /** When the notification fired, epoch ms; defaults to the render time. */
  readonly timestamp?: number;
  /**
   * Set when the channel can bring a person's answer back to Herald (a Slack integration with a signing
   * secret): the message then offers to act on its issue, and each button names this delivery.
   */
  readonly interaction?: { readonly deliveryId: string };
}

/** A render context with its translator: what renderers actually use. */
export interface Rendering {
  readonly context: RenderContext;
  readonly i18n: Translator;
  /** Shortcut for `i18n.t`. */
  t(key: Parameters<Translator['t']>[0], values?: MessageValues): string;
  /** Date and time in the recipient's zone and locale. */
  dateTime(ms: number): string;
  /** `count` with its noun, plural rules of the recipient's language (`count.events` → "3 events"). */
  count(
    key: 'count.events' | 'count.users' | 'count.issues' | 'count.commits' | 'count.otherNotifications',
    count: number,
  ): string;
}

/** Wraps a context with the translator of its locale and zone. */
export function rendering(context: RenderContext): Rendering {
  const i18n = translator(context.locale, context.timeZone);
  return {
    context,
    i18n,
    t: (key, values) => i18n.t(key, values),
    dateTime: (ms) => i18n.dateTime(ms),
    count: (key, count) => i18n.t(key, { count }),
  };
}

/** A context with Herald's own settings page, for previews and tests. */
export function defaultRenderContext(baseUrl: string, overrides: Partial<RenderContext> = {}): RenderContext {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    locale: 'en',
    timeZone: 'UTC',
    baseUrl: base,
    links: { settings: `${base}/settings/notifications` },
    ...overrides,
  };
}
