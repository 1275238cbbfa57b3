import type { Logger } from 'pino';
import type { Clock } from '../clock.js';

/** Every delivery channel Herald knows. */
export const CHANNEL_KINDS = [
  'email',
  'slack',
  'msteams',
  'webhook',
  'push',
  'inapp',
  'pagerduty',
  'discord',
] as const;

/** One of {@link CHANNEL_KINDS}. */
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** True when `value` names a channel. */
export function isChannelKind(value: unknown): value is ChannelKind {
  return typeof value === 'string' && (CHANNEL_KINDS as readonly string[]).includes(value);
}

/** Who one delivery goes to. */
export interface Recipient {
  /** `user`: a person; `channel`: a chat channel (Slack/Teams/Discord); `webhook`: an endpoint. */
  readonly type: 'user' | 'channel' | 'webhook';
  /** User id, chat channel name or id, or integration id. */
  readonly id: string;
  readonly email?: string;
  readonly name?: string;
  readonly locale?: string;
  readonly timezone?: string;
}

/** An organization's connection to a provider, with its secrets decrypted for the send. */
export interface IntegrationRef {
  readonly id: string;
  readonly orgId: string;
  readonly provider: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, string>>;
}

/** A message rendered for one channel, ready to send. `C` is the channel's content shape. */
export interface OutboundMessage<C = unknown> {
  readonly deliveryId: string;
  readonly notificationId: string;
  /** Notification type, e.g. `issue_alert`. */
  readonly type: string;
  readonly recipient: Recipient;
  readonly content: C;
  /** Stable across retries and replays of this delivery: webhook-id, dedup keys. */
  readonly idempotencyKey: string;
}

/** What a provider answered to a successful send. */
export interface SendResult {
  /** The provider's id for the message (SMTP Message-ID, Slack `ts`, …). */
  readonly providerMessageId?: string;
  /** A short, secret-free description of the provider's answer, kept in the attempt history. */
  readonly providerResponse?: string;
}

/** Small key-value state a channel may keep between sends (Slack thread timestamps per issue). */
export interface ChannelState {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** Everything a send may use besides the message itself. */
export interface DeliveryContext {
  /** The integration the message goes through; absent for channels that need none (in-app). */
  readonly integration?: IntegrationRef;
  /** Aborted when the send must stop (timeout or shutdown). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly state: ChannelState;
}

/**
 * A delivery channel. `send` resolves on success and throws {@link PermanentDeliveryError} or
 * {@link TransientDeliveryError} otherwise; any other error is treated as transient.
 */
export interface Channel<C = unknown> {
  readonly kind: ChannelKind;
  send(message: OutboundMessage<C>, context: DeliveryContext): Promise<SendResult>;
  close?(): Promise<void>;
}

/** Options of a permanent delivery error. */
export interface PermanentDeliveryErrorOptions {
  /** The provider's error code (`channel_not_found`, `550`, `http_404`). */
  readonly code: string;
  /** The integration itself is unusable (revoked token): disable it and tell the org's owners. */
  readonly fatal?: boolean;
  /** This target is gone for good (webhook 410, push subscription 404/410): stop using it. */
  readonly disableTarget?: boolean;
  readonly cause?: unknown;
}

/** A send that will never succeed as is; not retried. */
export class PermanentDeliveryError extends Error {
  readonly code: string;
  readonly fatal: boolean;
  readonly disableTarget: boolean;

  constructor(message: string, options: PermanentDeliveryErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'PermanentDeliveryError';
    this.code = options.code;
    this.fatal = options.fatal ?? false;
    this.disableTarget = options.disableTarget ?? false;
  }
}

/** A send that may succeed later; retried with backoff, not before `retryAfterMs` when given. */
export class TransientDeliveryError extends Error {
  readonly code: string;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { code: string; retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'TransientDeliveryError';
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }
}
