import { z } from 'zod';

/** One Block Kit block; Slack checks the rest, Herald only that each block names its type. */
export const slackBlockSchema = z.looseObject({ type: z.string().min(1) });

/** What the renderer produces for Slack. */
export const slackContentSchema = z.object({
  /** Fallback text for notifications and screen readers. */
  text: z.string().min(1),
  blocks: z.array(slackBlockSchema),
  /** Groups messages into one thread, e.g. the issue id. */
  threadKey: z.string().min(1).optional(),
  /** Edit the thread's first message instead of replying (needs `threadKey`). */
  update: z.boolean().optional(),
});

/** The Slack content shape. */
export type SlackContent = z.infer<typeof slackContentSchema>;

/** Integration `config` of Slack. */
export const slackConfigSchema = z.looseObject({
  /** Web API base URL; only tests change it. */
  slackApiUrl: z.url().optional(),
  /** Show thread replies in the channel too (`reply_broadcast`). Default false. */
  broadcastReplies: z.boolean().default(false),
});

/** Integration `secrets` of Slack: the bot token (`xoxb-…`). */
export const slackSecretsSchema = z.object({ botToken: z.string().startsWith('xox') });

/** Slack's documented limits: 50 blocks per message, 40 000 characters of text. */
export const SLACK_LIMITS = { blocks: 50, text: 40_000 } as const;
