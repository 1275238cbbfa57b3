import { z } from 'zod';

/** What the renderer produces for email: subject, both bodies, extra headers (List-Unsubscribe, …). */
export const emailContentSchema = z.object({
  subject: z.string().min(1).max(998),
  html: z.string(),
  text: z.string(),
  headers: z.record(z.string(), z.string()).optional(),
});

/** The email content shape. */
export type EmailContent = z.infer<typeof emailContentSchema>;

/** The ways Herald can hand a mail over; chosen per integration by `config.transport`. */
export const EMAIL_TRANSPORTS = ['smtp', 'sendgrid', 'ses'] as const;

/** One of {@link EMAIL_TRANSPORTS}. */
export type EmailTransportKind = (typeof EMAIL_TRANSPORTS)[number];

/** Integration `config` fields every email transport reads. */
export const emailBaseConfigSchema = z.looseObject({
  transport: z.enum(EMAIL_TRANSPORTS).default('smtp'),
  /** Sender, e.g. `Herald <alerts@example.com>`. */
  from: z.string().min(3),
});

/** A mail ready for a transport: the rendered content plus addresses. */
export interface OutgoingMail extends EmailContent {
  readonly from: string;
  readonly to: string;
  /** Stable across retries; receivers and providers can drop duplicates by it. */
  readonly messageId: string;
  readonly deliveryId: string;
}
