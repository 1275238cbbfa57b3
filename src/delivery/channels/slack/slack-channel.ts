import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
} from '../../channel.js';
import { type HttpClient, httpClient } from '../../http-client.js';
import { parseContent, parseIntegration } from '../../integration-fields.js';
import {
  SLACK_LIMITS,
  type SlackContent,
  slackConfigSchema,
  slackContentSchema,
  slackSecretsSchema,
} from './slack-content.js';
import { classifySlackError } from './slack-errors.js';
import { type SlackClient, slackWebClient } from './slack-fetch.js';

/** Options of {@link slackChannel}. */
export interface SlackChannelOptions {
  /** The shared outbound client. Default: one of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
}

/** Where a thread lives: Slack wants the channel id (not its name) for replies and updates. */
interface ThreadAnchor {
  readonly channel: string;
  readonly ts: string;
}

function parseAnchor(raw: string | undefined): ThreadAnchor | undefined {
  if (!raw) return undefined;
  const value = JSON.parse(raw) as Partial<ThreadAnchor>;
  return typeof value.channel === 'string' && typeof value.ts === 'string'
    ? { channel: value.channel, ts: value.ts }
    : undefined;
}

/** Slack through the Web API with Block Kit, DMs by email, threads per `threadKey` and in-place updates. */
export function slackChannel(options: SlackChannelOptions = {}): Channel<SlackContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });

  async function resolveTarget(
    client: SlackClient,
    message: OutboundMessage<SlackContent>,
    context: DeliveryContext,
    integrationId: string,
  ): Promise<string> {
    const { recipient } = message;
    if (recipient.type !== 'user') return recipient.id;
    if (!recipient.email) {
      throw new PermanentDeliveryError(`Recipient ${recipient.id} has no email to find in Slack`, {
        code: 'no_email',
      });
    }
    const key = `slack:user:${integrationId}:${recipient.email.toLowerCase()}`;
    const known = await context.state.get(key);
    if (known) return known;
    const found = await client.users.lookupByEmail({ email: recipient.email });
    const id = found.user?.id;
    if (!id)
      throw new PermanentDeliveryError('Slack found no user for the address', { code: 'users_not_found' });
    await context.state.set(key, id);
    return id;
  }

  async function deliver(
    message: OutboundMessage<SlackContent>,
    context: DeliveryContext,
  ): Promise<SendResult> {
    const { config, secrets, integration } = parseIntegration(context, slackConfigSchema, slackSecretsSchema);
    const content = parseContent(slackContentSchema, message.content);
    if (content.blocks.length > SLACK_LIMITS.blocks || content.text.length > SLACK_LIMITS.text) {
      throw new PermanentDeliveryError(
        `Slack message too large (${content.blocks.length} blocks, ${content.text.length} characters)`,
        { code: 'too_large' },
      );
    }
    const client = slackWebClient({
      token: secrets.botToken,
      slackApiUrl: config.slackApiUrl,
      http,
      signal: context.signal,
      logger: context.logger,
    });
    const channel = await resolveTarget(client, message, context, integration.id);
    const { text, blocks } = content;
    const threadKey = content.threadKey && `slack:thread:${integration.id}:${channel}:${content.threadKey}`;
    const anchor = threadKey ? parseAnchor(await context.state.get(threadKey)) : undefined;

    if (anchor && content.update) {
      const updated = await client.chat.update({ channel: anchor.channel, ts: anchor.ts, text, blocks });
      context.logger.debug({ channel: anchor.channel, ts: anchor.ts }, 'slack message updated');
      return { providerMessageId: updated.ts ?? anchor.ts, providerResponse: 'chat.update ok' };
    }
    const base = { channel: anchor?.channel ?? channel, text, blocks, unfurl_links: false };
    const posted = await client.chat.postMessage(
      anchor ? { ...base, thread_ts: anchor.ts, reply_broadcast: config.broadcastReplies } : base,
    );
    if (threadKey && !anchor && posted.channel && posted.ts) {
      await context.state.set(threadKey, JSON.stringify({ channel: posted.channel, ts: posted.ts }));
    }
    context.logger.debug(
      { channel: posted.channel, ts: posted.ts, thread: anchor?.ts },
      'slack message posted',
    );
    return { providerMessageId: posted.ts, providerResponse: 'chat.postMessage ok' };
  }

  return {
    kind: 'slack',
    async send(message, context) {
      try {
        return await deliver(message, context);
      } catch (err) {
        throw classifySlackError(err);
      }
    },
    async close() {
      if (!options.http) http.close();
    },
  };
}
