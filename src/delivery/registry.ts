import type { Channel, ChannelKind } from './channel.js';
import { discordChannel } from './channels/discord/discord-channel.js';
import { emailChannel } from './channels/email/email-channel.js';
import { type InappChannelOptions, inappChannel } from './channels/inapp/inapp-channel.js';
import { msteamsChannel } from './channels/msteams/msteams-channel.js';
import { pagerdutyChannel } from './channels/pagerduty/pagerduty-channel.js';
import { pushChannel } from './channels/push/push-channel.js';
import type { VapidKeys } from './channels/push/push-content.js';
import { slackChannel } from './channels/slack/slack-channel.js';
import { webhookChannel } from './channels/webhook/webhook-channel.js';
import type { HttpClient } from './http-client.js';

/** What every channel factory may use; one HTTP client is shared by all HTTP channels. */
export interface ChannelFactoryOptions {
  readonly http: HttpClient;
  /** Herald's VAPID identity for web push; without it push reads keys from its integration. */
  readonly vapid?: VapidKeys;
  /** Herald's public address, for bodies that name it (an Alertmanager webhook body's `externalURL`). */
  readonly publicUrl?: () => string;
}

/** Builds one channel. */
export type ChannelFactory = (options: ChannelFactoryOptions) => Channel;

/** The outbound channels of this folder by kind; in-app needs the store, so it comes from {@link inappFactory}. */
export const channelFactories: Readonly<Partial<Record<ChannelKind, ChannelFactory>>> = {
  email: ({ http }) => emailChannel({ http }),
  slack: ({ http }) => slackChannel({ http }),
  msteams: ({ http }) => msteamsChannel({ http }),
  webhook: ({ http, publicUrl }) => webhookChannel({ http, publicUrl }),
  push: ({ http, vapid }) => pushChannel({ http, vapid }),
  pagerduty: ({ http }) => pagerdutyChannel({ http }),
  discord: ({ http }) => discordChannel({ http }),
};

/** The in-app channel as a factory, to merge into {@link channelFactories}: `{ ...channelFactories, inapp: inappFactory(…) }`. */
export function inappFactory(options: InappChannelOptions): ChannelFactory {
  return () => inappChannel(options);
}

/** Builds every channel of `factories` (default {@link channelFactories}; extra kinds may be merged in). */
export function buildChannels(
  options: ChannelFactoryOptions,
  factories: Readonly<Partial<Record<ChannelKind, ChannelFactory>>> = channelFactories,
): ReadonlyMap<ChannelKind, Channel> {
  const channels = new Map<ChannelKind, Channel>();
  for (const [kind, factory] of Object.entries(factories) as [ChannelKind, ChannelFactory | undefined][]) {
    if (factory) channels.set(kind, factory(options));
  }
  return channels;
}

/** Closes every channel built by {@link buildChannels}. */
export async function closeChannels(channels: ReadonlyMap<ChannelKind, Channel>): Promise<void> {
  await Promise.all([...channels.values()].map((c) => c.close?.()));
}
