import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
} from '../../channel.js';
import { assertHttpOk, type HttpClient, httpClient } from '../../http-client.js';
import { parseContent, parseIntegration } from '../../integration-fields.js';
import {
  PAGERDUTY_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
  type PagerDutyContent,
  pagerdutyConfigSchema,
  pagerdutyContentSchema,
  pagerdutySecretsSchema,
} from './pagerduty-content.js';

/** Options of {@link pagerdutyChannel}. */
export interface PagerDutyChannelOptions {
  /** The shared outbound client. Default: one of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
}

/** The Events API v2 body; resolve and acknowledge need no payload. */
function eventBody(routingKey: string, c: PagerDutyContent) {
  const summary =
    c.summary.length > PAGERDUTY_SUMMARY_MAX
      ? `${c.summary.slice(0, PAGERDUTY_SUMMARY_MAX - 1)}…`
      : c.summary;
  return {
    routing_key: routingKey,
    event_action: c.eventAction,
    dedup_key: c.dedupKey,
    client: 'Herald',
    client_url: c.clientUrl,
    links: c.links,
    payload:
      c.eventAction === 'trigger'
        ? {
            summary,
            severity: c.severity,
            source: c.source,
            component: c.component,
            group: c.group,
            class: c.class,
            custom_details: c.customDetails,
          }
        : undefined,
  };
}

/** `{baseUrl}/v2/enqueue`, keeping any path of the base (a proxy's prefix), with or without a final slash. */
function enqueueUrl(baseUrl: string): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v2/enqueue`;
  return url;
}

/** PagerDuty Events API v2: 202 accepted, 400 permanent, 429 and 5xx transient. */
export function pagerdutyChannel(options: PagerDutyChannelOptions = {}): Channel<PagerDutyContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });

  async function send(
    message: OutboundMessage<PagerDutyContent>,
    context: DeliveryContext,
  ): Promise<SendResult> {
    const { config, secrets } = parseIntegration(context, pagerdutyConfigSchema, pagerdutySecretsSchema);
    const content = parseContent(pagerdutyContentSchema, message.content);
    const body = JSON.stringify(eventBody(secrets.routingKey, content));
    if (Buffer.byteLength(body) > PAGERDUTY_MAX_BYTES) {
      throw new PermanentDeliveryError(`PagerDuty event over ${PAGERDUTY_MAX_BYTES} bytes`, {
        code: 'too_large',
      });
    }
    const response = await http.request({
      url: enqueueUrl(config.baseUrl),
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: context.signal,
    });
    assertHttpOk(response, 'PagerDuty', context.clock.now());
    const answer = response.json() as { dedup_key?: string; status?: string } | undefined;
    context.logger.debug(
      { dedupKey: content.dedupKey, action: content.eventAction },
      'pagerduty event accepted',
    );
    return {
      providerMessageId: answer?.dedup_key ?? content.dedupKey,
      providerResponse: `HTTP ${response.status} ${answer?.status ?? ''}`.trim(),
    };
  }

  return {
    kind: 'pagerduty',
    send,
    async close() {
      if (!options.http) http.close();
    },
  };
}
