import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WEBHOOK_FORMATS } from '../delivery/channels/webhook/webhook-content.js';

/** Providers an integration can connect to. */
export const PROVIDERS = ['slack', 'msteams', 'email', 'webhook', 'pagerduty', 'discord'] as const;

/** One of {@link PROVIDERS}. */
export type Provider = (typeof PROVIDERS)[number];

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

/** What one provider requires of `config` and `secrets`, and which fields are outbound targets. */
export interface ProviderSpec {
  readonly config: z.ZodType<Record<string, unknown>>;
  readonly secrets: z.ZodType<Record<string, string>>;
  /** Dotted fields (`config.url`, `secrets.webhookUrl`) holding URLs Herald will connect to. */
  readonly targets: readonly string[];
  /** Fills in secrets Herald generates when they are not given. */
  readonly defaults?: (secrets: Record<string, string>) => Record<string, string>;
}

const secretString = z.string().min(1).max(4096);

/** The providers' specs; one entry per provider, no switch elsewhere. */
export const PROVIDER_SPECS: Readonly<Record<Provider, ProviderSpec>> = {
  slack: {
    config: z
      .object({ slackApiUrl: httpUrl.optional(), broadcastReplies: z.boolean().optional() })
      .catchall(z.unknown()),
    secrets: z
      .object({
        botToken: secretString,
        // The app's Signing Secret (Basic Information → App Credentials): with it, messages carry
        // Resolve / Ignore / Assign to me and Herald verifies Slack's callbacks. Not a token: no `xox`.
        signingSecret: z
          .string()
          .regex(/^[A-Za-z0-9]{16,128}$/, "must be the Slack app's Signing Secret (letters and digits)")
          .optional(),
      })
      .catchall(secretString),
    targets: ['config.slackApiUrl'],
  },
  msteams: {
    config: z.object({}).catchall(z.unknown()),
    secrets: z.object({ webhookUrl: httpUrl }).catchall(secretString),
    targets: ['secrets.webhookUrl'],
  },
  email: {
    config: z
      .object({
        transport: z.enum(['smtp', 'sendgrid', 'ses']).default('smtp'),
        from: z.string().min(3).max(320),
        host: z.string().min(1).max(255).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        secure: z.boolean().optional(),
        region: z.string().max(64).optional(),
        baseUrl: httpUrl.optional(),
      })
      .catchall(z.unknown())
      .superRefine((config, ctx) => {
        if (config.transport === 'smtp' && !config.host) {
          ctx.addIssue({ code: 'custom', path: ['host'], message: 'is required for the smtp transport' });
        }
        if (config.transport === 'ses' && !config.region) {
          ctx.addIssue({ code: 'custom', path: ['region'], message: 'is required for the ses transport' });
        }
      }),
    secrets: z.record(z.string(), secretString),
    targets: ['config.baseUrl'],
  },
  webhook: {
    config: z
      .object({
        url: httpUrl,
        timeoutMs: z
          .number()
          .int()
          .min(100, { error: 'Must be at least 100 ms' })
          .max(60_000, { error: 'Must be at most 60000 ms (a minute)' })
          .optional(),
        format: z.enum(WEBHOOK_FORMATS, { error: `must be one of ${WEBHOOK_FORMATS.join(', ')}` }).optional(),
        sendResolved: z.boolean().optional(),
      })
      .catchall(z.unknown()),
    secrets: z
      .object({
        signingSecret: z
          .string()
          .regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must be whsec_ followed by base64')
          .optional(),
        authorization: z
          .string()
          .max(4096)
          .regex(/^[\x21-\x7e][\x20-\x7e]*$/, 'must be a header value: printable ASCII, e.g. Bearer <token>')
          .optional(),
      })
      .catchall(secretString),
    targets: ['config.url'],
    defaults: (secrets) => ({ signingSecret: `whsec_${randomBytes(24).toString('base64')}`, ...secrets }),
  },
  pagerduty: {
    config: z.object({ baseUrl: httpUrl.optional() }).catchall(z.unknown()),
    secrets: z.object({ routingKey: secretString }).catchall(secretString),
    targets: ['config.baseUrl'],
  },
  discord: {
    config: z.object({}).catchall(z.unknown()),
    secrets: z.object({ webhookUrl: httpUrl }).catchall(secretString),
    targets: ['secrets.webhookUrl'],
  },
};
