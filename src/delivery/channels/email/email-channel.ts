import {
  type Channel,
  type DeliveryContext,
  type OutboundMessage,
  PermanentDeliveryError,
  type SendResult,
} from '../../channel.js';
import { type HttpClient, httpClient } from '../../http-client.js';
import { parseContent, requireIntegration } from '../../integration-fields.js';
import {
  type EmailContent,
  type EmailTransportKind,
  emailBaseConfigSchema,
  emailContentSchema,
} from './email-content.js';
import type { EmailTransport } from './email-transport.js';
import { sendgridTransport } from './sendgrid-transport.js';
import { sesTransport } from './ses-transport.js';
import { smtpTransport } from './smtp-transport.js';

/** Options of {@link emailChannel}. */
export interface EmailChannelOptions {
  /** The shared outbound client for the HTTP transports. Default: one of this channel's own. */
  readonly http?: HttpClient;
  /** Used only when the channel makes its own HTTP client. Default false. */
  readonly allowPrivateTargets?: boolean;
  /** Replaces transports by kind (tests, custom providers). Default: smtp, sendgrid and ses. */
  readonly transports?: Partial<Record<EmailTransportKind, EmailTransport>>;
}

/** Message-ID domain taken from the sender so providers do not rewrite it as foreign. */
function messageId(key: string, from: string): string {
  const domain = /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'herald.invalid';
  return `<${key.replace(/[^\w.-]/g, '_')}@${domain}>`;
}

/** Email through the integration's transport (`config.transport`: smtp, sendgrid or ses). */
export function emailChannel(options: EmailChannelOptions = {}): Channel<EmailContent> {
  const http = options.http ?? httpClient({ allowPrivateTargets: options.allowPrivateTargets });
  const transports: Record<EmailTransportKind, EmailTransport> = {
    smtp: options.transports?.smtp ?? smtpTransport(),
    sendgrid: options.transports?.sendgrid ?? sendgridTransport(http),
    ses: options.transports?.ses ?? sesTransport(http),
  };

  async function send(message: OutboundMessage<EmailContent>, context: DeliveryContext): Promise<SendResult> {
    const integration = requireIntegration(context);
    const base = emailBaseConfigSchema.safeParse(integration.config);
    if (!base.success) {
      throw new PermanentDeliveryError(
        `Integration ${integration.id} needs config.from and a known transport`,
        {
          code: 'invalid_integration',
          fatal: true,
        },
      );
    }
    const to = message.recipient.email;
    if (!to) {
      throw new PermanentDeliveryError(`Recipient ${message.recipient.id} has no email address`, {
        code: 'no_email',
      });
    }
    const content = parseContent(emailContentSchema, message.content);
    const { transport, from } = base.data;
    context.logger.debug({ transport, deliveryId: message.deliveryId }, 'sending email');
    return transports[transport].send(
      {
        ...content,
        from,
        to,
        messageId: messageId(message.idempotencyKey, from),
        deliveryId: message.deliveryId,
      },
      integration,
      context,
    );
  }

  return {
    kind: 'email',
    send,
    async close() {
      await Promise.all(Object.values(transports).map((t) => t.close()));
      if (!options.http) http.close();
    },
  };
}
