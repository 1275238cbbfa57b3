import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { z } from 'zod';
import { sha256Hex } from '../../../security/sha256.js';
import { abortable } from '../../abortable.js';
import {
  type DeliveryContext,
  type IntegrationRef,
  PermanentDeliveryError,
  type SendResult,
  TransientDeliveryError,
} from '../../channel.js';
import { parseIntegration } from '../../integration-fields.js';
import { classifySmtpError } from './email-errors.js';
import type { EmailTransport } from './email-transport.js';

/** Integration `config` of SMTP. */
export const smtpConfigSchema = z.looseObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** Implicit TLS (port 465). Otherwise STARTTLS is used when the server offers it. */
  secure: z.boolean().default(false),
  /** Refuse to send unless STARTTLS succeeds. */
  requireTLS: z.boolean().default(false),
  /** Pooled connections per integration. */
  maxConnections: z.number().int().min(1).max(50).default(5),
});

/** Integration `secrets` of SMTP; both absent for relays without AUTH. */
export const smtpSecretsSchema = z.object({ user: z.string().optional(), pass: z.string().optional() });

interface Cached {
  readonly fingerprint: string;
  readonly transporter: Transporter<SMTPPool.SentMessageInfo>;
}

/** SMTP through nodemailer's pooled transport, one pool per integration, rebuilt when its settings change. */
export function smtpTransport(): EmailTransport {
  const pools = new Map<string, Cached>();

  function poolFor(integration: IntegrationRef, context: DeliveryContext) {
    const { config, secrets } = parseIntegration(context, smtpConfigSchema, smtpSecretsSchema);
    const fingerprint = sha256Hex(JSON.stringify([config, secrets.user ?? '', secrets.pass ?? '']));
    const cached = pools.get(integration.id);
    if (cached?.fingerprint === fingerprint) return cached.transporter;
    cached?.transporter.close();
    const transporter = nodemailer.createTransport({
      pool: true,
      host: config.host,
      port: config.port,
      secure: config.secure,
      requireTLS: config.requireTLS,
      maxConnections: config.maxConnections,
      auth: secrets.user ? { user: secrets.user, pass: secrets.pass ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // nodemailer's own logger would print SMTP transcripts, AUTH included.
      logger: false,
      debug: false,
    });
    pools.set(integration.id, { fingerprint, transporter });
    return transporter;
  }

  return {
    async send(mail, integration, context): Promise<SendResult> {
      const transporter = poolFor(integration, context);
      const sending = transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: mail.headers,
        messageId: mail.messageId,
      });
      const info = await abortable(sending, context.signal).catch((err: unknown) => {
        throw err instanceof TransientDeliveryError || err instanceof PermanentDeliveryError
          ? err
          : classifySmtpError(err);
      });
      if (info.rejected.length > 0 && info.accepted.length === 0) {
        throw new PermanentDeliveryError(`SMTP server rejected the recipient: ${info.response}`, {
          code: 'smtp_rejected',
        });
      }
      return { providerMessageId: info.messageId, providerResponse: info.response.slice(0, 200) };
    },
    async close() {
      for (const { transporter } of pools.values()) transporter.close();
      pools.clear();
    },
  };
}
