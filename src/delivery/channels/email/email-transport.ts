import type { DeliveryContext, IntegrationRef, SendResult } from '../../channel.js';
import type { OutgoingMail } from './email-content.js';

/** One way of handing a mail to a provider; the email channel picks one per integration. */
export interface EmailTransport {
  /** Sends one mail; throws Permanent/TransientDeliveryError. */
  send(mail: OutgoingMail, integration: IntegrationRef, context: DeliveryContext): Promise<SendResult>;
  /** Releases pooled connections. */
  close(): Promise<void>;
}
