import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { defaultRenderContext } from '../templates/render-context.js';
import { renderTestMessage, TEST_MESSAGE_TYPE } from '../templates/test-message.js';
import type { IntegrationWithSecrets } from '../tenancy/integrations.js';
import {
  type Channel,
  type ChannelKind,
  type ChannelState,
  isChannelKind,
  PermanentDeliveryError,
  type Recipient,
  TransientDeliveryError,
} from './channel.js';

/** Where a test goes when the provider needs a destination of its own. */
export interface TestSendInput {
  /** Slack channel name or id, e.g. `#alerts`. */
  readonly channel?: string | undefined;
  /** Email address of the recipient. */
  readonly email?: string | undefined;
}

/** Why a test failed, in the words of the delivery error classes. */
export interface TestSendError {
  readonly class: 'permanent' | 'transient';
  readonly code: string;
  readonly message: string;
  readonly fatal: boolean;
  readonly retryAfterMs: number | null;
}

/** The outcome of a test send: it ran, and either the provider accepted or it did not. */
export type TestSendResult =
  | { readonly ok: true; readonly providerMessageId: string | null; readonly providerResponse: string | null }
  | { readonly ok: false; readonly error: TestSendError };

/** What {@link testSender} needs. */
export interface TestSenderDeps {
  readonly channels: ReadonlyMap<ChannelKind, Channel>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publicUrl: () => string;
  /** Longest a test may take, milliseconds. Default 15 000. */
  readonly timeoutMs?: number;
}

function recipientFor(integration: IntegrationWithSecrets, input: TestSendInput): Recipient {
  if (integration.provider === 'slack') {
    if (!input.channel) throw ValidationError.field('channel', 'is required to test a Slack integration');
    return { type: 'channel', id: input.channel };
  }
  if (integration.provider === 'email') {
    if (!input.email) throw ValidationError.field('email', 'is required to test an email integration');
    return { type: 'user', id: 'integration-test', email: input.email };
  }
  return { type: 'webhook', id: integration.id };
}

/** Blanks any secret value of the integration that a provider echoed into an error message. */
function scrub(text: string, secrets: Readonly<Record<string, string>>): string {
  let out = text;
  for (const value of Object.values(secrets)) {
    if (value.length >= 6) out = out.replaceAll(value, '[redacted]');
  }
  return out;
}

function classify(error: unknown, secrets: Readonly<Record<string, string>>): TestSendError {
  if (error instanceof PermanentDeliveryError) {
    return {
      class: 'permanent',
      code: error.code,
      message: scrub(error.message, secrets),
      fatal: error.fatal,
      retryAfterMs: null,
    };
  }
  if (error instanceof TransientDeliveryError) {
    return {
      class: 'transient',
      code: error.code,
      message: scrub(error.message, secrets),
      fatal: false,
      retryAfterMs: error.retryAfterMs ?? null,
    };
  }
  // As the delivery stage does, an unclassified failure counts as transient.
  const message = error instanceof Error ? error.message : String(error);
  return {
    class: 'transient',
    code: 'error',
    message: scrub(message, secrets),
    fatal: false,
    retryAfterMs: null,
  };
}

/** A state that forgets: a test must not start or join a Slack thread of real notifications. */
function scratchState(): ChannelState {
  const entries = new Map<string, string>();
  return {
    get: async (key) => entries.get(key),
    set: async (key, value) => void entries.set(key, value),
  };
}

/** Sends a short test message through an integration's channel and reports what the provider said. */
export function testSender(deps: TestSenderDeps) {
  return {
    async send(
      integration: IntegrationWithSecrets,
      organization: { id: string; slug: string; name: string },
      input: TestSendInput,
    ): Promise<TestSendResult> {
      const kind = integration.provider;
      const channel = isChannelKind(kind) ? deps.channels.get(kind) : undefined;
      if (!channel) throw ValidationError.field('provider', `has no channel to test (${kind})`);
      const recipient = recipientFor(integration, input);
      const testId = newId('tst', deps.clock.now());
      const content = await renderTestMessage(
        channel.kind,
        {
          organization,
          integration: { id: integration.id, name: integration.name, provider: integration.provider },
          testId,
          test: true,
        },
        defaultRenderContext(deps.publicUrl(), { notificationId: testId, timestamp: deps.clock.now() }),
      );
      const logger = deps.logger.child({ integrationId: integration.id, provider: kind, testId });
      try {
        const result = await channel.send(
          {
            deliveryId: testId,
            notificationId: testId,
            type: TEST_MESSAGE_TYPE,
            recipient,
            content,
            idempotencyKey: testId,
          },
          {
            integration: {
              id: integration.id,
              orgId: integration.orgId,
              provider: integration.provider,
              name: integration.name,
              config: integration.config,
              secrets: integration.secrets,
            },
            signal: AbortSignal.timeout(deps.timeoutMs ?? 15_000),
            logger,
            clock: deps.clock,
            state: scratchState(),
          },
        );
        logger.info({ ok: true }, 'integration test sent');
        return {
          ok: true,
          providerMessageId: result.providerMessageId ?? null,
          providerResponse: result.providerResponse
            ? scrub(result.providerResponse, integration.secrets)
            : null,
        };
      } catch (error) {
        const failure = classify(error, integration.secrets);
        logger.info({ ok: false, class: failure.class, code: failure.code }, 'integration test failed');
        return { ok: false, error: failure };
      }
    },
  };
}

/** The test-send service. */
export type TestSender = ReturnType<typeof testSender>;
