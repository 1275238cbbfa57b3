import type { Kysely } from 'kysely';
import type { Clock } from '../../../clock.js';
import { type InboxMessage, inboxStore } from '../../../inbox/inbox-store.js';
import type { Database } from '../../../store/schema.js';
import { type InAppContent, inappContentSchema } from '../../../templates/inapp/inapp-renderer.js';
import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
  TransientDeliveryError,
} from '../../channel.js';
import { parseContent } from '../../integration-fields.js';

/** Options of {@link inappChannel}. */
export interface InappChannelOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /**
   * Told of each newly stored message (never of a repeated send), to reach the owner's live streams.
   * A failure here is logged, not raised: the message is in the inbox and a stream catches up on reconnect.
   */
  readonly onMessage?: (userId: string, message: InboxMessage) => void | Promise<void>;
}

/** True for a foreign-key violation on either database (the recipient's user row is gone). */
function isForeignKeyViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = String(error.code);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** The in-app inbox: a send stores the message in the recipient's inbox and announces it live. */
export function inappChannel(options: InappChannelOptions): Channel<InAppContent> {
  const store = inboxStore({ db: options.db, clock: options.clock });

  async function send(message: OutboundMessage<InAppContent>, context: DeliveryContext): Promise<SendResult> {
    const content = parseContent(inappContentSchema, message.content);
    const { recipient } = message;
    if (recipient.type !== 'user') {
      throw new PermanentDeliveryError(`The inbox belongs to a user, not a ${recipient.type}`, {
        code: 'invalid_recipient',
      });
    }
    if (context.signal.aborted) {
      throw new TransientDeliveryError('The send was aborted', {
        code: 'aborted',
        cause: context.signal.reason,
      });
    }
    let stored: Awaited<ReturnType<typeof store.insert>>;
    try {
      stored = await store.insert({
        userId: recipient.id,
        notificationId: message.notificationId,
        deliveryId: message.deliveryId,
        type: message.type,
        title: content.title,
        body: content.body,
        url: content.url,
      });
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new PermanentDeliveryError(`User ${recipient.id} does not exist`, {
          code: 'unknown_recipient',
          disableTarget: true,
          cause: error,
        });
      }
      throw new TransientDeliveryError('The inbox could not be written', {
        code: 'store_error',
        cause: error,
      });
    }
    if (stored.created && options.onMessage) {
      try {
        await options.onMessage(recipient.id, stored.message);
      } catch (err) {
        context.logger.warn({ err, messageId: stored.message.id }, 'inbox message stored but not announced');
      }
    }
    return {
      providerMessageId: stored.message.id,
      providerResponse: stored.created ? 'stored in inbox' : 'already in inbox',
    };
  }

  return { kind: 'inapp', send };
}
