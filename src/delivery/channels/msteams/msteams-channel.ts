import { safeOrigin } from '../../address-guard.js';
import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
} from '../../channel.js';
import { assertHttpOk, type HttpClient, httpClient } from '../../http-client.js';
import { parseContent, parseIntegration } from '../../integration-fields.js';
import { libraryCardProblems } from './adaptive-card-library.js';
import { validateAdaptiveCard } from './msteams-card.js';
import {
  MSTEAMS_MAX_PAYLOAD_BYTES,
  type MsTeamsContent,
  msteamsConfigSchema,
  msteamsContentSchema,
  msteamsEnvelope,
  msteamsSecretsSchema,
} from './msteams-content.js';

/** Options of {@link msteamsChannel}. */
export interface MsTeamsChannelOptions {
  /** The shared outbound client. Default: one of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own client. Default false. */
  readonly allowPrivateTargets?: boolean;
  /** Card validator; returns the problems found. Default: Herald's structural check. */
  readonly validateCard?: (card: unknown) => string[];
}

/** Microsoft Teams: an Adaptive Card posted to a Workflows (Power Automate) webhook. */
export function msteamsChannel(options: MsTeamsChannelOptions = {}): Channel<MsTeamsContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });
  // Our structural check names the bad node's path; the official library then checks what Teams checks.
  const validate =
    options.validateCard ??
    ((card: unknown) => {
      const own = validateAdaptiveCard(card);
      return own.length > 0 ? own : libraryCardProblems(card);
    });

  async function send(
    message: OutboundMessage<MsTeamsContent>,
    context: DeliveryContext,
  ): Promise<SendResult> {
    const { secrets } = parseIntegration(context, msteamsConfigSchema, msteamsSecretsSchema);
    const { card } = parseContent(msteamsContentSchema, message.content);
    const problems = validate(card);
    if (problems.length > 0) {
      throw new PermanentDeliveryError(`Adaptive Card is invalid: ${problems.slice(0, 5).join('; ')}`, {
        code: 'invalid_card',
      });
    }
    const body = JSON.stringify(msteamsEnvelope(card));
    const size = Buffer.byteLength(body);
    if (size > MSTEAMS_MAX_PAYLOAD_BYTES) {
      throw new PermanentDeliveryError(`Teams message is ${size} bytes, over ${MSTEAMS_MAX_PAYLOAD_BYTES}`, {
        code: 'too_large',
      });
    }
    const target = safeOrigin(secrets.webhookUrl);
    context.logger.debug({ target, bytes: size }, 'posting Teams card');
    const response = await http.request({
      url: secrets.webhookUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: context.signal,
    });
    assertHttpOk(response, `Teams workflow at ${target}`, context.clock.now());
    return { providerResponse: `HTTP ${response.status}` };
  }

  return {
    kind: 'msteams',
    send,
    async close() {
      if (!options.http) http.close();
    },
  };
}
