import { z } from 'zod';

/** A browser's push subscription (`PushSubscription.toJSON()`). */
export const pushSubscriptionSchema = z.object({
  endpoint: z.url({ protocol: /^https$/ }),
  keys: z.object({ p256dh: z.string().min(40), auth: z.string().min(16) }),
});

/** What the renderer produces for web push: the target subscription and the notification. */
export const pushContentSchema = z.object({
  subscription: pushSubscriptionSchema,
  title: z.string().min(1),
  body: z.string(),
  url: z.string(),
  /** Seconds the push service keeps an undelivered message. Default 1 day. */
  ttl: z.number().int().min(0).max(2_419_200).optional(),
  urgency: z.enum(['very-low', 'low', 'normal', 'high']).optional(),
  /** Replaces a pending message with the same topic (e.g. the issue id). */
  topic: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional(),
});

/** The web push content shape. */
export type PushContent = z.infer<typeof pushContentSchema>;

/** VAPID identity of the sender. */
export interface VapidKeys {
  /** `mailto:` or `https:` contact of the sender. */
  readonly subject: string;
  /** base64url, uncompressed P-256 point. */
  readonly publicKey: string;
  /** base64url, 32 bytes. */
  readonly privateKey: string;
}

/** Integration `config` of push, when VAPID keys come from an integration rather than options. */
export const pushConfigSchema = z.looseObject({
  vapidSubject: z.string().min(6),
  vapidPublicKey: z.string().min(40),
});

/** Integration `secrets` of push. */
export const pushSecretsSchema = z.object({ vapidPrivateKey: z.string().min(40) });

/**
 * Largest JSON payload: a push message is at most 4096 bytes and aes128gcm adds 103 (86 of header,
 * 16 of tag, 1 of padding delimiter).
 */
export const PUSH_MAX_PAYLOAD_BYTES = 4096 - 103;
