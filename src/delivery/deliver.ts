import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { notificationPayload } from '../notifications/notification-store.js';
import { notificationType } from '../notifications/registry.js';
import type { PreferenceDecisions } from '../preferences/decisions.js';
import { enqueueJobs, type Job, type JobInput } from '../queue/queue.js';
import type { Database, DeliveryTable } from '../store/schema.js';
import { isolatedWrites } from '../store/turn-batch.js';
import type { RenderContext } from '../templates/render-context.js';
import { renderNotification, type TemplateOverride } from '../templates/render-notification.js';
import type { ThrottleStage } from '../throttle/throttle-stage.js';
import {
  type Channel,
  type ChannelKind,
  type ChannelState,
  type IntegrationRef,
  PermanentDeliveryError,
  type Recipient,
  TransientDeliveryError,
} from './channel.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { ClaimedDeliveries } from './claimed-deliveries.js';
import {
  type AttemptRecord,
  type DeliveryNotification,
  type DeliveryUser,
  deliveryStatements,
  type SendOutcome,
  type SentSettlement,
  type Settlement,
} from './delivery-statements.js';
import { fallbackChain } from './fallback-chain.js';
import { incidentGate } from './pagerduty-incidents.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay } from './retry-policy.js';
import { withTimeout } from './send-timeout.js';
import { ttlCache } from './ttl-cache.js';

/**
 * How long a decrypted integration, a template override and a recipient's user row are reused: a burst
 * to one integration decrypts its secrets once, and an edit is seen within this time.
 */
const LOOKUP_TTL_MS = 2_000;

/** How long one send may take before it is aborted. */
const SEND_TIMEOUT_MS = 30_000;

/** The reason of a delivery whose message could not be rendered. */
export const RENDER_FAILED = 'render_failed';

/**
 * Statuses a delivery moves through; from `sent` on only engagement moves it (forward: delivered, opened,
 * clicked or acted), `dead` waits for a replay.
 */
export const DELIVERY_STATUSES = [
  'pending',
  'deferred',
  'sending',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'acted',
  'failed',
  'dead',
  'suppressed',
  'digested',
] as const;

/** A send's outcome on its way to the database, with the time of the next attempt when there is one. */
interface Finishing extends SendOutcome {
  readonly delivery: DeliveryTable;
  readonly notification: DeliveryNotification;
  readonly retryAt?: number;
}

/** What the delivery stage needs. */
export interface DeliverDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly channels: ReadonlyMap<ChannelKind, Channel>;
  readonly state: ChannelState;
  readonly breaker: CircuitBreaker;
  readonly retry?: RetryPolicy;
  /** An organization's attempts in all, when it set its own (`PUT /orgs/{org}/retries`); read on failures only. */
  readonly maxAttempts?: (orgId: string) => Promise<number>;
  /** How long a `sending` delivery is left alone before another worker may take it over. */
  readonly sendingLeaseMs?: number;
  readonly publicUrl: () => string;
  /** The integration with its secrets decrypted; throws when it no longer exists. */
  readonly integration: (orgId: string, id: string) => Promise<IntegrationRef & { status: string }>;
  /** The organization's template override for a type on a channel, if any. */
  readonly override: (
    orgId: string,
    type: string,
    channel: ChannelKind,
  ) => Promise<TemplateOverride | undefined>;
  /** A signed one-click unsubscribe link for an email. */
  readonly unsubscribeUrl: (payload: {
    userId: string;
    orgId: string;
    projectId: string | null;
    type: 'alerts' | 'workflow' | 'deploy';
  }) => string;
  /** Extra content a channel needs for a person (web push subscriptions), or null when unroutable. */
  readonly personalContent?: (
    channel: ChannelKind,
    userId: string,
  ) => Promise<Record<string, unknown>[] | null>;
  /** Told when a fatal error disabled an integration, so the owners can be told. */
  readonly onIntegrationDisabled: (orgId: string, integrationId: string, reason: string) => Promise<void>;
  /** Told when a target is gone for good (push subscription 404/410). */
  readonly onTargetGone?: (delivery: DeliveryTable, content: Record<string, unknown>) => Promise<void>;
  readonly onJobsCommitted: (ids: string[]) => void;
  /**
   * Registers a listener told when an organization's integrations changed in this process (the API
   * disabled, edited or deleted one): the decrypted integrations kept for a moment are dropped at once.
   */
  readonly onIntegrationsChanged?: (listener: (orgId: string) => void) => void;
  /** The same for an organization's template overrides (saved or removed through the API). */
  readonly onTemplatesChanged?: (listener: (orgId: string) => void) => void;
  /** The same for an organization's members (someone was removed through the API). */
  readonly onMembersChanged?: (listener: (orgId: string) => void) => void;
  /** Deliveries written already claimed for this worker (see ClaimedDeliveries): no claim needed. */
  readonly claimed?: ClaimedDeliveries;
  /**
   * A delivery deferred by quiet hours whose job came: decided again with the person's settings now and
   * sent, gathered into a digest or suppressed there (throttle/deferred-release.ts). Absent: it is sent
   * as it was decided.
   */
  readonly releaseDeferred?: (deliveryId: string) => Promise<void>;
  /**
   * The preferences stage: each step of a fallback chain is decided with the person's settings when it
   * is taken (fallback-chain.ts). Absent: every step is sent as the chain names it.
   */
  readonly decisions?: PreferenceDecisions;
  /**
   * The throttle stage a fallback step that goes out at once passes, as fan-out's deliveries do
   * (fallback-chain.ts). Absent: steps are not limited.
   */
  readonly throttle?: ThrottleStage;
  /** A notification this process created lately, so it is not read back (undefined: read it). */
  readonly recentNotification?: (id: string) => DeliveryNotification | undefined;
  /** Random source for jitter (tests pin it). */
  readonly random?: () => number;
  /** Rewrites a rendered message just before it is sent (tracked links, open pixel). */
  readonly trackLinks?: (
    content: Record<string, unknown>,
    delivery: DeliveryTable,
  ) => Promise<Record<string, unknown>>;
  /**
   * Told each outcome with the row as stored, the attempt's duration and code, and the notification
   * when it was read (metrics, logs).
   */
  readonly onFinished?: (
    delivery: DeliveryTable,
    attempt: { durationMs: number; code?: string } | null,
    notification: DeliveryNotification | null,
  ) => Promise<void>;
}

/**
 * The `deliver` job: renders one delivery for its recipient and channel and sends it, then records the
 * outcome: sent, failed with the time of the next attempt (backoff with full jitter, Retry-After
 * honoured), or dead (permanent error, or attempts exhausted). The delivery is claimed with a
 * compare-and-set to `sending`, so two workers never send it at once; a worker that dies mid-send leaves
 * it `sending` until the lease passes, after which it is sent again with the same idempotency key
 * (`webhook-id`, SMTP Message-ID) so receivers can drop the duplicate.
 */
export function deliverer(deps: DeliverDeps) {
  const { db, clock, logger } = deps;
  const policy = deps.retry ?? DEFAULT_RETRY_POLICY;
  // Longer than a send may take (SEND_TIMEOUT_MS), so a slow send is not taken over while it runs.
  const leaseMs = deps.sendingLeaseMs ?? 60_000;
  const integrations = ttlCache<IntegrationRef & { status: string }>(LOOKUP_TTL_MS);
  const overrides = ttlCache<TemplateOverride | undefined>(LOOKUP_TTL_MS);
  // Users are never deleted, and only their language and zone change: a few seconds late is fine. Kept
  // per organization, as its members only: someone who left it gets nothing more from it. What waited for
  // them was suppressed when they left; this catches a replay, a retry or a fallback of a send under way
  // (a removal through this process drops the organization's entries at once, see onMembersChanged).
  const users = ttlCache<DeliveryUser | undefined>(LOOKUP_TTL_MS);
  const integrationKey = (orgId: string, id: string) => `${orgId}\u0000${id}`;
  deps.onIntegrationsChanged?.((orgId) => integrations.deletePrefix(integrationKey(orgId, '')));
  deps.onTemplatesChanged?.((orgId) => overrides.deletePrefix(`${orgId}\u0000`));
  deps.onMembersChanged?.((orgId) => users.deletePrefix(`${orgId}\u0000`));
  const statements = deliveryStatements(db);
  const incidents = incidentGate(db);
  async function claim(id: string): Promise<DeliveryTable | null> {
    const now = clock.now();
    const claimed = await statements.claim(id, now, leaseMs);
    if (claimed) return claimed;
    // Not taken: gone, finished, deferred, or being sent by another worker. Only the last two need
    // anything done.
    const row = await db
      .selectFrom('deliveries')
      .select(['id', 'status', 'updated_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (row?.status === 'deferred') {
      if (deps.releaseDeferred) await deps.releaseDeferred(id);
      else if (await statements.undefer(id, now)) return claim(id);
      return null;
    }
    if (row?.status === 'sending' && row.updated_at + leaseMs > now) {
      // Another worker is sending it, or died doing so: look again when its lease ends, so a delivery
      // whose worker died is never left behind.
      const at = row.updated_at + leaseMs;
      const ids = await enqueueJobs(
        db,
        [
          {
            id: `deliver_${row.id}_lease_${at}`,
            kind: 'deliver',
            payload: { deliveryId: row.id },
            runAt: at,
          },
        ],
        now,
      );
      deps.onJobsCommitted(ids);
    }
    return null;
  }

  /** The next delivery of a fallback chain, written with the outcome that ended this one. */
  const fallback = fallbackChain(deps.decisions, deps.throttle);

  /**
   * Writes the outcomes of the sends that ended in one turn of the event loop (see turnBatch) in one
   * transaction: each delivery's new status and its attempt, the fallback of one that ended dead, the
   * next attempt of one that failed. A group that fails is written again one outcome at a time, so a bad
   * row fails only its own delivery (its job then runs again, as when a single write failed).
   */
  const writeOutcome = isolatedWrites(writeOutcomes, [] as string[]);

  /** The jobs each outcome wrote (a fallback's, a retry's). */
  function writeOutcomes(group: readonly Finishing[]): Promise<Map<Finishing, string[]>> {
    const now = clock.now();
    return db.transaction().execute(async (trx) => {
      await statements.settle(trx, group, now);
      const jobIds = new Map<Finishing, string[]>();
      const retries: JobInput[] = [];
      for (const item of group) {
        const { delivery, notification, outcome, retryAt } = item;
        if (outcome.status === 'dead') jobIds.set(item, await fallback(trx, delivery, notification, now));
        else if (retryAt !== undefined) {
          const id = `deliver_${delivery.id}_${delivery.attempts}`;
          retries.push({ id, kind: 'deliver', payload: { deliveryId: delivery.id }, runAt: retryAt });
          jobIds.set(item, [id]);
        }
      }
      // A retry's job id is fixed by its delivery and attempt: one already written is left as it is.
      await enqueueJobs(trx, retries, now);
      return jobIds;
    });
  }

  async function finish(
    delivery: DeliveryTable,
    notification: DeliveryNotification,
    patch: Settlement | SentSettlement,
    attempt: AttemptRecord,
    retryAt?: number,
  ): Promise<void> {
    const written = await writeOutcome({
      delivery,
      notification,
      outcome: patch,
      record: attempt,
      ...(retryAt === undefined ? {} : { retryAt }),
    });
    if (written.length > 0) deps.onJobsCommitted(written);
    const now = clock.now();
    await deps.onFinished?.(
      { ...delivery, ...patch, updated_at: now },
      { durationMs: Math.max(0, now - attempt.started), ...(attempt.code ? { code: attempt.code } : {}) },
      notification,
    );
  }

  /**
   * Records that a claimed delivery is not sent. A decision not to send is not an attempt: the claim's
   * count is given back, as a hold gives it back. An unroutable one goes on to its fallback channel,
   * unless `lastError` says why nobody can be reached (the person left the organization).
   */
  async function suppress(
    delivery: DeliveryTable,
    reason: string,
    notification: DeliveryNotification | null = null,
    lastError?: string,
  ): Promise<void> {
    const now = clock.now();
    const settled = {
      status: 'suppressed',
      reason,
      attempts: delivery.attempts - 1,
      next_attempt_at: null,
      ...(lastError === undefined ? {} : { last_error: lastError }),
    };
    const jobIds = await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('deliveries')
        .set({ ...settled, updated_at: now })
        .where('id', '=', delivery.id)
        .execute();
      return reason === 'unroutable' && lastError === undefined
        ? fallback(trx, delivery, notification, now)
        : [];
    });
    if (jobIds.length > 0) deps.onJobsCommitted(jobIds);
    await deps.onFinished?.({ ...delivery, ...settled }, null, notification);
  }

  /**
   * Holds a delivery until `at` (the circuit breaker's hold, a resolve waiting for its trigger): not an
   * attempt, so it gives the attempt back. The row and its job are written together.
   */
  async function reschedule(
    delivery: DeliveryTable,
    at: number,
    hold: Pick<DeliveryTable, 'status' | 'reason'> & { last_error?: string } = {
      status: 'failed',
      reason: 'circuit_open',
    },
  ): Promise<void> {
    const jobIds = await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('deliveries')
        .set({
          ...hold,
          attempts: delivery.attempts - 1,
          next_attempt_at: at,
          updated_at: clock.now(),
        })
        .where('id', '=', delivery.id)
        .execute();
      return enqueueJobs(
        trx,
        [
          {
            id: `deliver_${delivery.id}_hold_${at}`,
            kind: 'deliver',
            payload: { deliveryId: delivery.id },
            runAt: at,
          },
        ],
        clock.now(),
      );
    });
    deps.onJobsCommitted(jobIds);
  }

  return async function deliver(job: Job): Promise<void> {
    const id = String(job.payload.deliveryId);
    const delivery = deps.claimed?.take(id) ?? (await claim(id));
    if (!delivery) return;
    const channel = deps.channels.get(delivery.channel as ChannelKind);
    if (!channel) return suppress(delivery, 'unroutable');
    const notification =
      deps.recentNotification?.(delivery.notification_id) ??
      (await statements.notification(delivery.notification_id));
    if (!notification) return suppress(delivery, 'unroutable');
    const type = notificationType(notification.type);
    if (!type) return suppress(delivery, 'unroutable', notification);

    let integration: (IntegrationRef & { status: string }) | undefined;
    if (delivery.integration_id) {
      try {
        const { org_id: orgId, integration_id: id } = delivery;
        integration = await integrations.get(integrationKey(orgId, id), () => deps.integration(orgId, id));
      } catch {
        return suppress(delivery, 'unroutable', notification);
      }
      if (integration.status !== 'active') return suppress(delivery, 'integration_disabled', notification);
      if (delivery.channel === 'pagerduty') {
        // Decided when due, not when written: the issue may have been resolved since (pagerduty-incidents.ts).
        const gate = await incidents(delivery, notification, clock.now());
        if (gate.kind === 'suppress') return suppress(delivery, gate.reason, notification, gate.detail);
        if (gate.kind === 'wait')
          return reschedule(delivery, gate.until, {
            status: 'pending',
            reason: 'awaiting_trigger',
            last_error: gate.detail,
          });
      }
      const hold = deps.breaker.holdUntil(integration.id);
      if (hold !== null) return reschedule(delivery, hold);
    }

    const payload = notificationPayload(notification);
    const base = deps.publicUrl();
    let recipient: Recipient = {
      type: delivery.recipient_type as Recipient['type'],
      id: delivery.recipient_id,
    };
    let context: RenderContext = {
      locale: 'en',
      timeZone: 'UTC',
      baseUrl: base,
      links: { settings: `${base}/settings/notifications` },
      notificationId: notification.id,
      timestamp: notification.created_at,
    };
    if (delivery.recipient_type === 'user') {
      const { org_id: orgId, recipient_id: userId } = delivery;
      const user = await users.get(`${orgId}\u0000${userId}`, () => statements.member(orgId, userId));
      if (!user)
        return suppress(
          delivery,
          'unroutable',
          notification,
          `${userId} is not a member of this organization`,
        );
      recipient = {
        ...recipient,
        email: user.email,
        name: user.name,
        locale: user.locale,
        timezone: user.timezone,
      };
      const unsubscribe =
        delivery.channel === 'email' && type.category
          ? deps.unsubscribeUrl({
              userId: user.id,
              orgId: delivery.org_id,
              projectId: notification.project_id,
              type: type.category,
            })
          : undefined;
      context = {
        ...context,
        locale: user.locale,
        timeZone: user.timezone,
        links: { ...context.links, ...(unsubscribe ? { unsubscribe } : {}) },
      };
    }
    const issueUrl = (payload.issue as { url?: unknown } | undefined)?.url;
    if (typeof issueUrl === 'string') context = { ...context, links: { ...context.links, issue: issueUrl } };
    // Slack's button callbacks can be verified only with the app's signing secret: without it, no buttons.
    if (delivery.channel === 'slack' && integration?.secrets.signingSecret)
      context = { ...context, interaction: { deliveryId: delivery.id } };

    const started = clock.now();
    try {
      const override = await overrides.get(
        `${delivery.org_id}\u0000${notification.type}\u0000${delivery.channel}`,
        () => deps.override(delivery.org_id, notification.type, delivery.channel as ChannelKind),
      );
      const rendered = (await renderNotification(
        notification.type,
        delivery.channel as ChannelKind,
        payload,
        context,
        override
          ? {
              ...override,
              onError: (error) =>
                logger.warn(
                  { err: error, deliveryId: delivery.id },
                  'template override failed; built-in used',
                ),
            }
          : undefined,
      ).catch((error: unknown) => {
        throw unrenderable(error);
      })) as Record<string, unknown>;
      const extras =
        delivery.recipient_type === 'user' && deps.personalContent
          ? await deps.personalContent(delivery.channel as ChannelKind, delivery.recipient_id)
          : null;
      if (extras !== null && extras.length === 0) return suppress(delivery, 'unroutable', notification);
      const tracked = deps.trackLinks ? await deps.trackLinks(rendered, delivery) : rendered;
      const contents = extras === null ? [tracked] : extras.map((extra) => ({ ...tracked, ...extra }));
      let result: { providerMessageId?: string; providerResponse?: string } = {};
      let delivered = 0;
      let lastError: unknown;
      for (const content of contents) {
        try {
          result = await withTimeout(SEND_TIMEOUT_MS, (signal) =>
            channel.send(
              {
                deliveryId: delivery.id,
                notificationId: notification.id,
                type: notification.type,
                recipient,
                content,
                idempotencyKey: delivery.id,
              },
              { ...(integration ? { integration } : {}), signal, logger, clock, state: deps.state },
            ),
          );
          delivered++;
        } catch (error) {
          if (error instanceof PermanentDeliveryError && error.disableTarget && contents.length > 1) {
            await deps.onTargetGone?.(delivery, content);
            continue;
          }
          lastError = error;
        }
      }
      if (delivered === 0 && lastError !== undefined) throw lastError;
      if (integration) deps.breaker.success(integration.id);
      await finish(
        delivery,
        notification,
        {
          status: 'sent',
          sent_at: clock.now(),
          provider_message_id: result.providerMessageId ?? null,
          reason: null,
          last_error: null,
          next_attempt_at: null,
        },
        {
          started,
          outcome: 'sent',
          ...(result.providerResponse ? { message: result.providerResponse } : {}),
        },
      );
    } catch (error) {
      await failed(delivery, notification, integration, error, started);
    }
  };

  /**
   * A message that cannot be rendered (a payload its type's schema refuses, a built-in template's bug)
   * will not render on the next attempt either, and says nothing of the receiver: it is a dead letter at
   * once, replayable once fixed, and the integration's circuit does not count it.
   */
  function unrenderable(error: unknown): PermanentDeliveryError {
    const message = error instanceof Error ? error.message : String(error);
    return new PermanentDeliveryError(`The message could not be rendered: ${message}`, {
      code: RENDER_FAILED,
      cause: error,
    });
  }

  async function failed(
    delivery: DeliveryTable,
    notification: DeliveryNotification,
    integration: (IntegrationRef & { status: string }) | undefined,
    error: unknown,
    started: number,
  ): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentDeliveryError) {
      if (integration && error.fatal) {
        await disable(delivery.org_id, integration, error.code);
      } else if (integration && error.disableTarget && delivery.channel === 'webhook') {
        await disable(delivery.org_id, integration, error.code);
      }
      logger.warn(
        {
          deliveryId: delivery.id,
          code: error.code,
          // Herald's own fault, not the receiver's: the cause is what to fix.
          ...(error.code === RENDER_FAILED ? { err: error.cause } : {}),
        },
        'delivery failed permanently',
      );
      return finish(
        delivery,
        notification,
        { status: 'dead', reason: error.code, last_error: message.slice(0, 1000), next_attempt_at: null },
        { started, outcome: 'permanent', code: error.code, message },
      );
    }
    if (integration) deps.breaker.failure(integration.id);
    const code = error instanceof TransientDeliveryError ? error.code : 'error';
    const retryAfter = error instanceof TransientDeliveryError ? error.retryAfterMs : undefined;
    const maxAttempts = deps.maxAttempts ? await deps.maxAttempts(delivery.org_id) : policy.maxAttempts;
    if (delivery.attempts >= maxAttempts) {
      logger.warn(
        { deliveryId: delivery.id, code, attempts: delivery.attempts },
        'delivery attempts exhausted',
      );
      return finish(
        delivery,
        notification,
        {
          status: 'dead',
          reason: 'attempts_exhausted',
          last_error: message.slice(0, 1000),
          next_attempt_at: null,
        },
        { started, outcome: 'transient', code, message },
      );
    }
    const at = clock.now() + retryDelay(policy, delivery.attempts, retryAfter, deps.random);
    return finish(
      delivery,
      notification,
      { status: 'failed', reason: code, last_error: message.slice(0, 1000), next_attempt_at: at },
      { started, outcome: 'transient', code, message },
      at,
    );
  }

  async function disable(orgId: string, integration: IntegrationRef, reason: string): Promise<void> {
    integrations.delete(integrationKey(orgId, integration.id));
    const result = await db
      .updateTable('integrations')
      .set({ status: 'disabled', disabled_reason: reason, updated_at: clock.now() })
      .where('id', '=', integration.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) {
      logger.warn({ integrationId: integration.id, reason }, 'integration disabled');
      await deps.onIntegrationDisabled(orgId, integration.id, reason);
    }
  }
}
