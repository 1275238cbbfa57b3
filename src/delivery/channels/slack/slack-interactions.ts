import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../../../clock.js';
import { HeraldError, ValidationError } from '../../../errors.js';
import type { IssuePatch } from '../../../events/issues.js';
import type { Database } from '../../../store/schema.js';
import type { MessageKey } from '../../../templates/i18n/en.js';
import { type MessageValues, translator } from '../../../templates/i18n/translator.js';
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

/** What the presser is told when nothing changed, before it is put in their language. */
interface Refusal {
  readonly key: MessageKey;
  readonly values?: MessageValues;
}

/**
 * The person who pressed the button: a member of the issue's organization, or why Herald cannot tell,
 * with the locale of their Slack account when Slack gave one.
 */
type Presser =
  | { readonly ok: true; readonly id: string; readonly name: string; readonly locale: string }
  | { readonly ok: false; readonly refusal: Refusal; readonly locale: string | undefined };

/** Why pressing `action` would change nothing of the issue as it is now; null when it would. */
function alreadyDone(
  action: SlackIssueAction,
  issue: { status: string; assignee_type: string | null; assignee_id: string | null },
  memberId: string,
): Refusal | null {
  if (action === 'resolve' && issue.status === 'resolved') return { key: 'chatAction.alreadyResolved' };
  if (action === 'ignore' && issue.status === 'ignored') return { key: 'chatAction.alreadyIgnored' };
  if (action === 'assign_me' && issue.assignee_type === 'user' && issue.assignee_id === memberId)
    return { key: 'chatAction.alreadyAssigned' };
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

  /** Tells only the person who pressed the button, in `locale`, why nothing happened. */
  async function refuse(payload: Payload, locale: string, refusal: Refusal): Promise<SlackInteractionAnswer> {
    const text = translator(locale, 'UTC').t(refusal.key, refusal.values);
    const message = { response_type: 'ephemeral', replace_original: false, text };
    return { body: (await respond(payload, message)) ? null : message };
  }

  /**
   * The member of `orgId` whose email is the Slack user's, read with the bot token (`users.info`, which
   * also gives the locale of the Slack account: the only language Herald knows for someone it cannot
   * match to a member).
   */
  async function actingMember(
    integration: SlackIntegration,
    slackUserId: string,
    orgId: string,
  ): Promise<Presser> {
    const config = slackConfigSchema.safeParse(integration.config);
    const secrets = slackSecretsSchema.safeParse(integration.secrets);
    if (!config.success || !secrets.success)
      return { ok: false, refusal: { key: 'chatAction.connectionMisconfigured' }, locale: undefined };
    let email: string | undefined;
    let slackLocale: string | undefined;
    try {
      const client = slackWebClient({
        token: secrets.data.botToken,
        slackApiUrl: config.data.slackApiUrl,
        http,
        signal: AbortSignal.timeout(USERS_INFO_TIMEOUT_MS),
        logger,
      });
      const found = await client.users.info({ user: slackUserId, include_locale: true });
      email = found.user?.profile?.email;
      slackLocale = found.user?.locale || undefined;
    } catch (err) {
      const code = classifySlackError(err).code;
      logger.warn({ integrationId: integration.id, code }, 'slack users.info failed for a button press');
      return {
        ok: false,
        refusal: { key: 'chatAction.profileUnreadable', values: { code } },
        locale: undefined,
      };
    }
    if (!email) return { ok: false, refusal: { key: 'chatAction.profileNoEmail' }, locale: slackLocale };
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
      const refusal: Refusal = org?.name
        ? { key: 'chatAction.notMember', values: { org: org.name, email } }
        : { key: 'chatAction.notMemberOfThisOrg', values: { email } };
      return { ok: false, refusal, locale: slackLocale };
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
            .leftJoin('users', (join) =>
              join
                .onRef('users.id', '=', 'deliveries.recipient_id')
                .on('deliveries.recipient_type', '=', 'user'),
            )
            .select([
              'deliveries.id',
              'deliveries.org_id',
              'deliveries.channel',
              'deliveries.integration_id',
              'notifications.issue_id',
              'users.locale as recipient_locale',
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
      // The language the pressed message was rendered in: its reader's for a person's message, English
      // for a channel's. It is all Herald knows of the presser until their Slack profile is read.
      const messageLocale = delivery.recipient_locale ?? 'en';
      // A disabled connection's token is not used, not even to learn who pressed.
      if (integration.status !== 'active')
        return refuse(payload, messageLocale, { key: 'chatAction.connectionDisabled' });

      const member = await actingMember(integration, payload.user.id, delivery.org_id);
      if (!member.ok) return refuse(payload, member.locale ?? messageLocale, member.refusal);
      const issueId = pressed.value.issue;
      if (!issueId || issueId !== delivery.issue_id)
        return refuse(payload, member.locale, { key: 'chatAction.otherIssue' });
      // Someone may have pressed the same button, or changed the issue elsewhere, since the message went out.
      const current = await db
        .selectFrom('issues')
        .select(['status', 'assignee_type', 'assignee_id'])
        .where('id', '=', issueId)
        .executeTakeFirst();
      const already = current ? alreadyDone(action, current, member.id) : null;
      if (already) return refuse(payload, member.locale, already);
      const principal: Principal = { kind: 'user', userId: member.id, tokenId: `slack:${integration.id}` };
      try {
        await deps.updateIssue(principal, issueId, PATCHES[action](member.id));
      } catch (err) {
        if (!(err instanceof HeraldError) || err.status >= 500) throw err;
        return refuse(payload, member.locale, { key: 'chatAction.failed', values: { reason: err.message } });
      }
      await deps.recordAction(delivery.id);
      logger.info(
        { deliveryId: delivery.id, issueId, action, userId: member.id },
        'issue changed from a slack button',
      );

      // The line joins the message everyone in its conversation reads, so it speaks the message's
      // language; with no message to update it goes to the presser alone, in theirs.
      const blocks = payload.message?.blocks;
      const line = translator(blocks ? messageLocale : member.locale, 'UTC').t(DONE[action], {
        name: member.name,
      });
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
