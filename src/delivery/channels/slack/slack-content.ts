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

/**
 * Integration `secrets` of Slack: the bot token (`xoxb-…`), and the app's signing secret when people may
 * act on issues from Slack (it verifies Slack's callbacks).
 */
export const slackSecretsSchema = z.object({
  botToken: z.string().startsWith('xox'),
  signingSecret: z.string().min(1).optional(),
});

/** Slack's documented limits: 50 blocks per message, 40 000 characters of text. */
export const SLACK_LIMITS = { blocks: 50, text: 40_000 } as const;

/** What a person can do to an issue from its Slack message. */
export const SLACK_ISSUE_ACTIONS = ['resolve', 'ignore', 'assign_me'] as const;

/** One of {@link SLACK_ISSUE_ACTIONS}. */
export type SlackIssueAction = (typeof SLACK_ISSUE_ACTIONS)[number];

const ACTION_ID_PREFIX = 'herald_issue_';

/** The `action_id` of an issue button, e.g. `herald_issue_resolve`. */
export function slackActionId(action: SlackIssueAction): string {
  return `${ACTION_ID_PREFIX}${action}`;
}

/** The issue action an `action_id` names, or undefined for any other (a link button's). */
export function slackIssueAction(actionId: string): SlackIssueAction | undefined {
  const name = actionId.startsWith(ACTION_ID_PREFIX) ? actionId.slice(ACTION_ID_PREFIX.length) : '';
  return (SLACK_ISSUE_ACTIONS as readonly string[]).includes(name) ? (name as SlackIssueAction) : undefined;
}

/** The `block_id`s Herald finds again in a message Slack sends back: the issue buttons, the "Resolved by" line. */
export const SLACK_BLOCK_IDS = {
  issueActions: 'herald_issue_actions',
  issueStatus: 'herald_issue_status',
} as const;

/**
 * A button's `value` when Slack may call back: the delivery that carried it (whose integration's signing
 * secret verifies the callback) and, on an issue button, the issue it acts on. Link buttons carry it too,
 * as Slack calls back for every button press and wants an answer.
 */
export const slackActionValueSchema = z.object({
  delivery: z.string().min(1).max(64),
  issue: z.string().min(1).max(64).optional(),
});

/** The decoded value of a button. */
export type SlackActionValue = z.infer<typeof slackActionValueSchema>;
