import type { z } from 'zod';
import type { ChannelKind } from '../delivery/channel.js';
import type { DiscordContent } from '../delivery/channels/discord/discord-content.js';
import type { EmailContent } from '../delivery/channels/email/email-content.js';
import type { MsTeamsContent } from '../delivery/channels/msteams/msteams-content.js';
import type { PagerDutyContent } from '../delivery/channels/pagerduty/pagerduty-content.js';
import type { SlackContent } from '../delivery/channels/slack/slack-content.js';
import type { WebhookContent } from '../delivery/channels/webhook/webhook-content.js';
import type { SettingType } from '../preferences/setting-schema.js';
import type { InAppContent } from '../templates/inapp/inapp-renderer.js';
import type { PushRendered } from '../templates/push/push-renderer.js';
import type { RenderContext } from '../templates/render-context.js';

/** What each channel's renderer produces: the content shape the channel sends. */
export interface ChannelContents {
  email: EmailContent;
  slack: SlackContent;
  msteams: MsTeamsContent;
  webhook: WebhookContent;
  /** The recipient's subscription is added by the delivery stage. */
  push: PushRendered;
  inapp: InAppContent;
  pagerduty: PagerDutyContent;
  discord: DiscordContent;
}

/** Renders one payload for one channel; email is asynchronous (MJML), the others need not be. */
export type ChannelRenderer<P, K extends ChannelKind> = (
  payload: P,
  context: RenderContext,
) => ChannelContents[K] | Promise<ChannelContents[K]>;

/** One renderer per channel kind: a type can be sent anywhere. */
export type ChannelRenderers<P> = { readonly [K in ChannelKind]: ChannelRenderer<P, K> };

/**
 * A notification type: a plain object registered once in the registry. Everything type-specific lives
 * here, so no other module switches over type ids.
 */
export interface NotificationType<P> {
  /** Stable id, e.g. `issue_alert`; the webhook body's `type`. */
  readonly id: string;
  /** The settings category that governs it; null for system messages nobody can turn off. */
  readonly category: SettingType | null;
  /** Critical messages bypass quiet hours. */
  readonly critical: boolean | ((payload: P) => boolean);
  /** The data a firing carries; validated before rendering and documented in OpenAPI. */
  readonly payload: z.ZodType<P>;
  /** Groups messages of one subject (Slack threads, PagerDuty dedup, push topics), e.g. the issue id. */
  readonly threadKey?: (payload: P) => string | undefined;
  /** Flat strings for logs and the history. */
  readonly metadata: (payload: P) => Readonly<Record<string, string>>;
  readonly render: ChannelRenderers<P>;
  /** A realistic payload for previews, goldens and documentation. */
  readonly sample: () => P;
}

/** Identity that fixes `P` from the payload schema, so a type's functions are checked against it. */
export function defineNotificationType<P>(type: NotificationType<P>): NotificationType<P> {
  return type;
}

/** Whether this payload of this type bypasses quiet hours. */
export function isCritical<P>(type: NotificationType<P>, payload: P): boolean {
  return typeof type.critical === 'function' ? type.critical(payload) : type.critical;
}
