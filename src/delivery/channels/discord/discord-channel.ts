import { safeOrigin } from '../../address-guard.js';
import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
  TransientDeliveryError,
} from '../../channel.js';
import {
  assertHttpOk,
  describeBody,
  type HttpClient,
  httpClient,
  parseRetryAfter,
} from '../../http-client.js';
import { parseContent, parseIntegration } from '../../integration-fields.js';
import {
  type DiscordContent,
  discordConfigSchema,
  discordContentSchema,
  discordLimitProblem,
  discordSecretsSchema,
} from './discord-content.js';

/** Options of {@link discordChannel}. */
export interface DiscordChannelOptions {
  /** The shared outbound client. Default: one of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
}

/** Discord through a channel webhook; mentions are always off so event data can never ping anyone. */
export function discordChannel(options: DiscordChannelOptions = {}): Channel<DiscordContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });

  async function send(
    message: OutboundMessage<DiscordContent>,
    context: DeliveryContext,
  ): Promise<SendResult> {
    const { secrets } = parseIntegration(context, discordConfigSchema, discordSecretsSchema);
    const content = parseContent(discordContentSchema, message.content);
    const problem = discordLimitProblem(content);
    if (problem)
      throw new PermanentDeliveryError(`Discord message too large: ${problem}`, { code: 'too_large' });
    const url = new URL(secrets.webhookUrl);
    // wait=true makes Discord answer with the created message, so its id can be recorded.
    url.searchParams.set('wait', 'true');
    const target = safeOrigin(url);
    const response = await http.postJson(
      url,
      { ...content, allowed_mentions: { parse: [] } },
      { signal: context.signal },
    );
    if (response.status === 429) {
      const body = response.json() as { retry_after?: number } | undefined;
      const fromBody = typeof body?.retry_after === 'number' ? Math.ceil(body.retry_after * 1000) : undefined;
      throw new TransientDeliveryError(`Discord rate limit at ${target}`, {
        code: 'http_429',
        retryAfterMs: fromBody ?? parseRetryAfter(response.headers['retry-after'], context.clock.now()),
      });
    }
    if (response.status === 401 || response.status === 404) {
      // Unknown or deleted webhook: every later message of this integration would fail the same way.
      throw new PermanentDeliveryError(
        `Discord webhook at ${target} is gone (HTTP ${response.status})${describeBody(response)}`,
        {
          code: `http_${response.status}`,
          fatal: true,
        },
      );
    }
    assertHttpOk(response, `Discord at ${target}`, context.clock.now());
    const created = response.json() as { id?: string } | undefined;
    context.logger.debug({ target, id: created?.id }, 'discord message posted');
    return { providerMessageId: created?.id, providerResponse: `HTTP ${response.status}` };
  }

  return {
    kind: 'discord',
    send,
    async close() {
      if (!options.http) http.close();
    },
  };
}
