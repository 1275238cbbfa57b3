import webpush from 'web-push';
import { abortable } from '../../abortable.js';
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
  PUSH_MAX_PAYLOAD_BYTES,
  type PushContent,
  pushConfigSchema,
  pushContentSchema,
  pushSecretsSchema,
  type VapidKeys,
} from './push-content.js';
import { classifyPushError } from './push-errors.js';

/** Options of {@link pushChannel}. */
export interface PushChannelOptions {
  /** The shared outbound client; its guarded HTTPS agent carries the push. Default: one of its own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
  /** Herald's VAPID identity. Default: read from the integration (`config.vapidSubject`, …). */
  readonly vapid?: VapidKeys;
  /** Timeout of one push, milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
}

/** Web push (RFC 8030, aes128gcm, VAPID) through `web-push`. */
export function pushChannel(options: PushChannelOptions = {}): Channel<PushContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });

  function vapidFor(context: DeliveryContext): VapidKeys {
    if (options.vapid) return options.vapid;
    if (!context.integration) {
      throw new PermanentDeliveryError('Web push needs VAPID keys', { code: 'no_vapid', fatal: true });
    }
    const { config, secrets } = parseIntegration(context, pushConfigSchema, pushSecretsSchema);
    return {
      subject: config.vapidSubject,
      publicKey: config.vapidPublicKey,
      privateKey: secrets.vapidPrivateKey,
    };
  }

  async function send(message: OutboundMessage<PushContent>, context: DeliveryContext): Promise<SendResult> {
    const vapid = vapidFor(context);
    const content = parseContent(pushContentSchema, message.content);
    const payload = JSON.stringify({ title: content.title, body: content.body, url: content.url });
    const size = Buffer.byteLength(payload);
    if (size > PUSH_MAX_PAYLOAD_BYTES) {
      throw new PermanentDeliveryError(`Push payload is ${size} bytes, over ${PUSH_MAX_PAYLOAD_BYTES}`, {
        code: 'too_large',
      });
    }
    const endpoint = new URL(content.subscription.endpoint);
    // The agent's lookup guards host names; IP literals never reach a lookup.
    http.assertLiteralHost(endpoint);
    try {
      const result = await abortable(
        webpush.sendNotification(content.subscription, payload, {
          vapidDetails: vapid,
          TTL: content.ttl ?? 86_400,
          urgency: content.urgency ?? 'normal',
          topic: content.topic,
          contentEncoding: 'aes128gcm',
          agent: http.httpsAgent,
          timeout: options.timeoutMs ?? 10_000,
        }),
        context.signal,
      );
      context.logger.debug({ service: endpoint.origin, status: result.statusCode }, 'push accepted');
      const location = result.headers['location'];
      return {
        providerMessageId: typeof location === 'string' ? new URL(location, endpoint).pathname : undefined,
        providerResponse: `HTTP ${result.statusCode}`,
      };
    } catch (err) {
      throw classifyPushError(err, endpoint, context.clock.now());
    }
  }

  return {
    kind: 'push',
    send,
    async close() {
      if (!options.http) http.close();
    },
  };
}
