import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../../clock.js';
import { HeraldError, ValidationError } from '../../../errors.js';
import type { IssuePatch } from '../../../events/issues.js';
import type { Database } from '../../../store/schema.js';
import type { MessageKey } from '../../../templates/i18n/en.js';
import { translator } from '../../../templates/i18n/translator.js';
import { slackIssueStatusBlock } from '../../../templates/slack/slack-renderer.js';
import type { Principal } from '../../../tenancy/context.js';
import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';
import type { HttpClient } from '../../http-client.js';
import {
  SLACK_BLOCK_IDS,
  type SlackActionValue,
  type SlackIssueAction,
  slackActionValueSchema,
  slackConfigSchema,
  slackIssueAction,
  slackSecretsSchema,
} from './slack-content.js';
import { classifySlackError } from './slack-errors.js';
import { slackWebClient } from './slack-fetch.js';
import { verifySlackSignature } from './slack-signature.js';

/** Slack waits 3 s for the answer: each outbound call gets a slice of it, so the answer is never late. */
const USERS_INFO_TIMEOUT_MS = 1_200;
const RESPONSE_URL_TIMEOUT_MS = 1_200;

/** The integration of a delivery as the callback needs it. */
interface SlackIntegration {
  readonly id: string;
  readonly provider: string;
  readonly status: string;
  readonly config: Record<string, unknown>;
  readonly secrets: Record<string, string>;
}

/** What the Slack callback needs from the composition root. */
export interface SlackInteractionDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The outbound client for `users.info` and the payload's `response_url`. */
  readonly http: HttpClient;
  /** The integration with its secrets decrypted; throws when it is gone. */
  readonly integration: (orgId: string, id: string) => Promise<SlackIntegration>;
  /** Changes an issue as `PATCH /api/v1/issues/{id}` does, with `principal` as the one who acted. */
  readonly updateIssue: (principal: Principal, issueId: string, patch: IssuePatch) => Promise<unknown>;
  /** Records that the reader of a delivery acted on it (engagement `action`, status `acted`). */
  readonly recordAction: (deliveryId: string) => Promise<unknown>;
}

/** One request as Slack sent it: the body exactly as received, and its two signing headers. */
export interface SlackInteractionRequest {
  readonly rawBody: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
}

/** What to answer Slack: nothing (200, empty) or a message for the person who pressed the button. */
export type SlackInteractionAnswer = { readonly body: Record<string, unknown> | null };

const payloadSchema = z.looseObject({
  type: z.string(),
  user: z.looseObject({ id: z.string().min(1) }),
  response_url: z.url({ protocol: /^https?$/ }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).default([]),
  message: z
    .looseObject({
      text: z.string().optional(),
      blocks: z.array(z.looseObject({ type: z.string(), block_id: z.string().optional() })).optional(),
    })
    .optional(),
});

type Payload = z.infer<typeof payloadSchema>;

const PATCHES: Readonly<Record<SlackIssueAction, (userId: string) => IssuePatch>> = {
  resolve: () => ({ status: 'resolved' }),
  ignore: () => ({ status: 'ignored' }),
  assign_me: (userId) => ({ assignee: { type: 'user', id: userId } }),
};

const DONE: Readonly<Record<SlackIssueAction, MessageKey>> = {
  resolve: 'chatAction.resolved',
  ignore: 'chatAction.ignored',
  assign_me: 'chatAction.assigned',
};

/** Why pressing `action` would change nothing of the issue as it is now; null when it would. */
function alreadyDone(
  action: SlackIssueAction,
  issue: { status: string; assignee_type: string | null; assignee_id: string | null },
  memberId: string,
): string | null {
  if (action === 'resolve' && issue.status === 'resolved') return 'This issue is already resolved';
  if (action === 'ignore' && issue.status === 'ignored') return 'This issue is already ignored';
  if (action === 'assign_me' && issue.assignee_type === 'user' && issue.assignee_id === memberId)
    return 'This issue is already assigned to you';
  return null;
}

/** 401 for a callback that cannot be shown to come from Slack: nothing is read or changed past this. */
export class SlackSignatureError extends HeraldError {
  constructor() {
    super('unauthorized', 401, 'The request does not carry a valid Slack signature');
  }
}

function parsePayload(rawBody: string): Payload {
  const raw = new URLSearchParams(rawBody).get('payload');
  if (raw === null) throw ValidationError.field('payload', 'is required (the form field Slack sends)');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw ValidationError.field('payload', 'must be JSON');
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((i) => ({
        path: ['payload', ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    );
  }
  return parsed.data;
}

/** The first button value of Herald's own, which names the delivery the pressed message carried. */
function buttonValue(payload: Payload): { value: SlackActionValue; actionId: string } | undefined {
  for (const action of payload.actions) {
    if (action.value === undefined) continue;
    try {
      const value = slackActionValueSchema.safeParse(JSON.parse(action.value));
      if (value.success) return { value: value.data, actionId: action.action_id };
    } catch {
      // Not one of Herald's values.
    }
  }
  return undefined;
}

/** The message as Slack showed it, with the line saying who acted above the issue buttons. */
function withStatusLine(blocks: readonly Record<string, unknown>[], line: string): Record<string, unknown>[] {
  const kept = blocks.filter((b) => b.block_id !== SLACK_BLOCK_IDS.issueStatus);
  const at = kept.findIndex((b) => b.block_id === SLACK_BLOCK_IDS.issueActions);
  const status = slackIssueStatusBlock(line);
  return at < 0 ? [...kept, status] : [...kept.slice(0, at), status, ...kept.slice(at)];
}

/**
 * Slack's interactivity callback (`POST /api/v1/integrations/slack/interactions`): a person pressed a
 * button of a Herald message. The delivery named by the button leads to the integration whose signing
 * secret must have signed the request, within five minutes of the clock; anything else is a
 * {@link SlackSignatureError} and nothing is looked at further. The person is then found by the email of
 * their Slack profile among the members of the issue's organization, and the issue is changed as they
 * would change it through the API; a person Herald does not know is told why, and nothing changes.
 */
export function slackInteractions(deps: SlackInteractionDeps) {
  const { db, clock, logger, http } = deps;

  /** Sends `message` to the payload's `response_url`; a failure is logged, the action stands. */
  async function respond(payload: Payload, message: Record<string, unknown>): Promise<boolean> {
    if (!payload.response_url) return false;
    try {
      const answer = await http.postJson(payload.response_url, message, {
        timeoutMs: RESPONSE_URL_TIMEOUT_MS,
      });
      if (answer.status >= 300)
        logger.warn({ status: answer.status }, 'slack response_url refused the message update');
    } catch (err) {
      // The URL itself is a credential for this message: only the failure's code is logged.
      const code =
        err instanceof PermanentDeliveryError || err instanceof TransientDeliveryError ? err.code : 'error';
      logger.warn({ code }, 'slack response_url could not be reached');
    }
    return true;
  }

  /** Tells only the person who pressed the button why nothing happened. */
  async function refuse(payload: Payload, text: string): Promise<SlackInteractionAnswer> {
    const message = { response_type: 'ephemeral', replace_original: false, text };
    return { body: (await respond(payload, message)) ? null : message };
  }

  /** The member of `orgId` whose email is the Slack user's, read with the bot token (`users.info`). */
  async function actingMember(
    integration: SlackIntegration,
    slackUserId: string,
    orgId: string,
  ): Promise<{ ok: true; id: string; name: string; locale: string } | { ok: false; reason: string }> {
    const config = slackConfigSchema.safeParse(integration.config);
    const secrets = slackSecretsSchema.safeParse(integration.secrets);
    if (!config.success || !secrets.success)
      return { ok: false, reason: 'Herald’s Slack connection is misconfigured; nothing was changed.' };
    let email: string | undefined;
    try {
      const client = slackWebClient({
        token: secrets.data.botToken,
        slackApiUrl: config.data.slackApiUrl,
        http,
        signal: AbortSignal.timeout(USERS_INFO_TIMEOUT_MS),
        logger,
      });
      const found = await client.users.info({ user: slackUserId });
      email = found.user?.profile?.email;
    } catch (err) {
      const code = classifySlackError(err).code;
      logger.warn({ integrationId: integration.id, code }, 'slack users.info failed for a button press');
      return {
        ok: false,
        reason: `Herald could not read your Slack profile (${code}); nothing was changed. The Slack app needs the users:read and users:read.email scopes.`,
      };
    }
    if (!email)
      return {
        ok: false,
        reason:
          'Your Slack profile shows no email address, so Herald cannot tell who you are; nothing was changed.',
      };
    const member = await db
      .selectFrom('members')
      .innerJoin('users', 'users.id', 'members.user_id')
      .select(['users.id', 'users.name', 'users.email', 'users.locale'])
      .where('members.org_id', '=', orgId)
      .where('users.email', '=', email.toLowerCase())
      .executeTakeFirst();
    if (!member) {
      const org = await db
        .selectFrom('organizations')
        .select('name')
        .where('id', '=', orgId)
        .executeTakeFirst();
      return {
        ok: false,
        reason: `No member of ${org?.name || 'this organization'} in Herald has the email address of your Slack account (${email}); nothing was changed. Ask an owner to add you.`,
      };
    }
    return { ok: true, id: member.id, name: member.name || member.email, locale: member.locale };
  }

  return {
    /**
     * Handles one callback. Throws {@link SlackSignatureError} (401) when it is not verifiably Slack's,
     * `ValidationError` (400) when the form carries no readable payload; else answers what Slack shows.
     */
    async handle(request: SlackInteractionRequest): Promise<SlackInteractionAnswer> {
      const payload = parsePayload(request.rawBody);
      const pressed = buttonValue(payload);
      // Which integration's secret signed it is known only through the delivery the button names.
      const delivery = pressed
        ? await db
            .selectFrom('deliveries')
            .innerJoin('notifications', 'notifications.id', 'deliveries.notification_id')
            .select([
              'deliveries.id',
              'deliveries.org_id',
              'deliveries.channel',
              'deliveries.integration_id',
              'deliveries.recipient_type',
              'notifications.issue_id',
            ])
            .where('deliveries.id', '=', pressed.value.delivery)
            .executeTakeFirst()
        : undefined;
      let integration: SlackIntegration | undefined;
      if (delivery?.channel === 'slack' && delivery.integration_id) {
        integration = await deps.integration(delivery.org_id, delivery.integration_id).catch(() => undefined);
      }
      const secret = integration?.provider === 'slack' ? integration.secrets.signingSecret : undefined;
      if (
        !pressed ||
        !delivery ||
        !integration ||
        !secret ||
        verifySlackSignature({ secret, ...request, nowMs: clock.now() }) !== 'ok'
      ) {
        throw new SlackSignatureError();
      }

      const action = slackIssueAction(pressed.actionId);
      // A link button: Slack wants its answer, the click itself is counted by the tracked link.
      if (!action) return { body: null };
      const issueId = pressed.value.issue;
      if (!issueId || issueId !== delivery.issue_id)
        return refuse(payload, 'This message is not about that issue; nothing was changed.');
      if (integration.status !== 'active')
        return refuse(payload, 'Herald’s Slack connection is disabled; nothing was changed.');

      const member = await actingMember(integration, payload.user.id, delivery.org_id);
      if (!member.ok) return refuse(payload, member.reason);
      // Someone may have pressed the same button, or changed the issue elsewhere, since the message went out.
      const current = await db
        .selectFrom('issues')
        .select(['status', 'assignee_type', 'assignee_id'])
        .where('id', '=', issueId)
        .executeTakeFirst();
      const already = current ? alreadyDone(action, current, member.id) : null;
      if (already) return refuse(payload, `${already}; nothing was changed.`);
      const principal: Principal = { kind: 'user', userId: member.id, tokenId: `slack:${integration.id}` };
      try {
        await deps.updateIssue(principal, issueId, PATCHES[action](member.id));
      } catch (err) {
        if (!(err instanceof HeraldError) || err.status >= 500) throw err;
        return refuse(payload, `Herald could not change the issue: ${err.message}.`);
      }
      await deps.recordAction(delivery.id);
      logger.info(
        { deliveryId: delivery.id, issueId, action, userId: member.id },
        'issue changed from a slack button',
      );

      // A channel's message was rendered in English, a person's in their language (they are its reader).
      const locale = delivery.recipient_type === 'user' ? member.locale : 'en';
      const line = translator(locale, 'UTC').t(DONE[action], { name: member.name });
      const blocks = payload.message?.blocks;
      const update = blocks
        ? {
            replace_original: true,
            text: payload.message?.text ?? line,
            blocks: withStatusLine(blocks, line),
          }
        : { response_type: 'ephemeral', replace_original: false, text: line };
      return { body: (await respond(payload, update)) ? null : update };
    },
  };
}

/** The Slack callback handler. */
export type SlackInteractions = ReturnType<typeof slackInteractions>;
