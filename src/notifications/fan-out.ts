import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ChannelKind } from '../delivery/channel.js';
import type { ClaimedDeliveries } from '../delivery/claimed-deliveries.js';
import { asClaimed, insertDeliveries } from '../delivery/delivery-statements.js';
import { nextFallback, personalRoutes, routeOf } from '../delivery/personal-routing.js';
import type { StoredEvents } from '../events/event-records.js';
import { newId } from '../ids.js';
import type { PreferenceDecisions } from '../preferences/decisions.js';
import {
  afterCommit,
  type Job,
  type JobHandoff,
  type JobInput,
  type WrittenJobs,
  writeJobGroups,
} from '../queue/queue.js';
import type { Recipients } from '../recipients/resolve.js';
import { PERSON_ACTION_CHANNELS } from '../rules/rule-schema.js';
import type { Database, DeliveryTable } from '../store/schema.js';
import type { References } from '../tenancy/reference-cache.js';
import type { ThrottleInput, ThrottleStage } from '../throttle/throttle-stage.js';
import type { FiredRuleRoute } from './issue-alerts.js';
import type { NotificationStore, StoredNotification } from './notification-store.js';
import { notificationType } from './registry.js';
import type { IntegrationTarget, PeopleTarget, Target, UnreachableTarget } from './targets.js';

/** A person to tell on a channel, before preferences; `muted` when only rules they snoozed name them. */
function personCandidate(
  userId: string,
  channel: ChannelKind,
  fallback: ChannelKind[] | undefined,
  muted: boolean,
): Candidate {
  return {
    recipientType: 'user',
    recipientId: userId,
    channel,
    integrationId: null,
    subscribed: false,
    committed: false,
    ...(fallback ? { fallback } : {}),
    ...(muted ? { muted } : {}),
  };
}

/** What the fan-out stage needs. */
export interface FanOutDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifications: NotificationStore;
  readonly recipients: Recipients;
  readonly decisions: PreferenceDecisions;
  /** Stored events read back: ownership rules and tag targets look at the event. */
  readonly events: StoredEvents;
  /** The organization's integrations, for routing and their status (a cache shared with the other stages). */
  readonly references: References;
  /** Limits and digests: may hold pending rows (`digested`) in the same transaction; none when absent. */
  readonly throttle?: ThrottleStage;
  readonly onJobsCommitted: (ids: string[]) => void;
  /**
   * When given, a notification's first delivery due now runs in the fan-out's slot once it committed
   * (see JobHandoff); the others are queued.
   */
  readonly handoff?: JobHandoff;
  /** Told the delivery rows written, after the commit (metrics). */
  readonly onDeliveries?: (rows: readonly DeliveryTable[]) => void;
  /**
   * With a hand-off: the delivery handed over is written already claimed for its send, and left here
   * for the delivery stage (which then needs no claim of its own).
   */
  readonly claimed?: ClaimedDeliveries;
}

interface Candidate {
  readonly recipientType: 'user' | 'team' | 'channel' | 'webhook';
  readonly recipientId: string;
  readonly channel: ChannelKind;
  readonly integrationId: string | null;
  readonly userId?: string;
  subscribed: boolean;
  committed: boolean;
  /**
   * Personal channels to fall back to, in order, as the rule's action names them. Absent: the person's
   * own list (their notification-settings options), read with their preferences.
   */
  fallback?: ChannelKind[];
  /** Set for a person or team no longer in the organization: never sent, recorded with this error. */
  readonly problem?: string;
  /**
   * Set while the person is named only by rules they snoozed: never sent, recorded as `snoozed` so the
   * history answers "why did I not get this?". Cleared when another target names them.
   */
  muted?: boolean;
}

/**
 * The `notify` job: turns a notification's targets into one delivery row per recipient × channel, each
 * with its decision (pending, suppressed with a reason, or deferred until quiet hours end), and writes
 * the delivery jobs, all in one transaction. The unique key (notification, recipient, channel) makes a
 * repeated fan-out write nothing twice.
 */
export function fanOut(deps: FanOutDeps) {
  const { db, clock } = deps;

  async function targetsOfRules(n: StoredNotification, rules: readonly FiredRuleRoute[]): Promise<Target[]> {
    const targets: Target[] = [];
    const stored = n.eventId ? await deps.events.load(n.eventId) : null;
    for (const rule of rules) {
      for (const action of rule.actions) {
        const personal = PERSON_ACTION_CHANNELS[action.id];
        if (personal && 'targetType' in action) {
          if (!stored || !n.projectId) continue;
          const people = await deps.recipients.resolve({
            orgId: n.orgId,
            projectId: n.projectId,
            target: action,
            event: stored.event,
          });
          // A member removed or a team deleted since the rule was saved: say so instead of nothing.
          const gone = people.length === 0 ? await deps.recipients.unreachable(n.orgId, action) : null;
          if (gone) {
            targets.push({
              kind: 'unreachable',
              recipientType: gone.type,
              recipientId: gone.id,
              channel: personal,
              problem: gone.problem,
            });
            continue;
          }
          targets.push({
            kind: 'people',
            userIds: people.map((p) => p.id),
            channels: [personal],
            excludedUserIds: rule.mutedUserIds,
            ...('fallback' in action && action.fallback ? { fallback: action.fallback } : {}),
          });
        } else if ('integration' in action) {
          targets.push({
            kind: 'integration',
            integrationId: action.integration,
            channel: action.id as ChannelKind,
            ...('channel' in action && typeof action.channel === 'string' ? { address: action.channel } : {}),
          });
        }
      }
    }
    return targets;
  }

  function peopleCandidates(target: PeopleTarget, into: Map<string, Candidate>): void {
    const excluded = new Set(target.excludedUserIds ?? []);
    for (const userId of target.userIds) {
      const muted = excluded.has(userId);
      for (const channel of target.channels) {
        const key = `user:${userId}:${channel}`;
        // A muted person's placeholder gives way to the first target that names them unmuted.
        const existing = into.get(key);
        const kept = existing?.muted ? undefined : existing;
        if (muted) {
          if (!existing) into.set(key, personCandidate(userId, channel, undefined, true));
          continue;
        }
        // A rule that names channels is more specific than the person's own list; an empty one names none.
        const fallback = target.fallback?.length ? target.fallback.filter((f) => f !== channel) : undefined;
        const candidate = kept ?? personCandidate(userId, channel, fallback, false);
        if (fallback && !candidate.fallback) candidate.fallback = fallback;
        candidate.subscribed ||= target.subscribedUserIds?.includes(userId) ?? false;
        candidate.committed ||= target.committedUserIds?.includes(userId) ?? false;
        into.set(key, candidate);
      }
    }
  }

  function unreachableCandidate(target: UnreachableTarget, into: Map<string, Candidate>): void {
    const key = `gone:${target.recipientType}:${target.recipientId}:${target.channel}`;
    if (into.has(key)) return;
    into.set(key, {
      recipientType: target.recipientType,
      recipientId: target.recipientId,
      channel: target.channel,
      integrationId: null,
      subscribed: false,
      committed: false,
      problem: target.problem,
    });
  }

  function integrationCandidate(target: IntegrationTarget, into: Map<string, Candidate>): void {
    const recipientType = target.channel === 'webhook' ? 'webhook' : 'channel';
    const recipientId = target.address ?? target.integrationId;
    const key = `${recipientType}:${target.integrationId}:${recipientId}:${target.channel}`;
    if (!into.has(key)) {
      into.set(key, {
        recipientType,
        recipientId,
        channel: target.channel,
        integrationId: target.integrationId,
        subscribed: false,
        committed: false,
      });
    }
  }

  /**
   * Decides the deliveries of a notification: one row per recipient × channel with its decision (pending,
   * suppressed with a reason, or deferred until quiet hours end). Only reads, outside any transaction
   * (on SQLite a transaction holds the only connection).
   */
  async function plan(
    notification: StoredNotification,
    job: { readonly targets?: readonly Target[]; readonly rules: readonly FiredRuleRoute[] },
  ): Promise<FanOutPlan> {
    const type = notificationType(notification.type);
    if (!type) throw new Error(`unknown notification type ${notification.type}`);
    const targets = job.targets ?? (await targetsOfRules(notification, job.rules));

    const candidates = new Map<string, Candidate>();
    for (const target of targets) {
      if (target.kind === 'people') peopleCandidates(target, candidates);
      else if (target.kind === 'unreachable') unreachableCandidate(target, candidates);
      else integrationCandidate(target, candidates);
    }
    const list = [...candidates.values()];
    const now = clock.now();
    const critical = type.isCritical(notification.payload);

    const people = list.filter((c) => c.recipientType === 'user' && c.problem === undefined && !c.muted);
    const decider = await deps.decisions.decider({
      orgId: notification.orgId,
      projectId: notification.projectId,
      category: type.category,
      critical,
      userIds: people.map((c) => c.recipientId),
      now,
    });
    const decide = (c: Candidate, channel: ChannelKind) =>
      decider.decide({ userId: c.recipientId, channel, subscribed: c.subscribed, committed: c.committed })
        .decision;
    const decisionOf = new Map(people.map((c) => [c, decide(c, c.channel)]));
    const integrations = await deps.references.integrations(notification.orgId);
    const personal = personalRoutes(integrations);
    // Fallback channels are decided up front too: a chain holds only channels the person allows and
    // Herald can route, so each step the delivery stage takes later is one the person's settings let pass.
    const chainOf = new Map(
      people.map((c) => {
        const named = c.fallback ?? decider.fallbackOf(c.recipientId).filter((f) => f !== c.channel);
        const chain = named.filter(
          (channel) => decide(c, channel).kind !== 'suppress' && routeOf(channel, personal) !== undefined,
        );
        return [c, chain];
      }),
    );
    const integrationStatus = new Map(integrations.map((i) => [i.id, i.status]));

    const rows: DeliveryTable[] = list.map((c) => {
      const base: DeliveryTable = {
        id: newId('dlv', now),
        notification_id: notification.id,
        org_id: notification.orgId,
        recipient_type: c.recipientType,
        recipient_id: c.recipientId,
        channel: c.channel,
        integration_id: c.integrationId,
        status: 'pending',
        reason: null,
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        provider_message_id: null,
        digest_id: null,
        fallback_of: null,
        created_at: now,
        updated_at: now,
        sent_at: null,
      };
      const suppress = (reason: string): DeliveryTable => ({
        ...base,
        status: 'suppressed',
        reason,
        next_attempt_at: null,
      });
      if (c.problem !== undefined) return { ...suppress('unroutable'), last_error: c.problem };
      if (c.muted) return suppress('snoozed');
      if (c.recipientType === 'user') {
        const decision = decisionOf.get(c);
        if (decision?.kind === 'suppress') return suppress(decision.reason);
        const chain = chainOf.get(c) ?? [];
        const integrationId = routeOf(c.channel, personal);
        if (integrationId === undefined)
          return {
            ...suppress('unroutable'),
            fallback_channels: chain.length ? JSON.stringify(chain) : null,
          };
        const routed = {
          ...base,
          integration_id: integrationId ?? null,
          fallback_channels: chain.length ? JSON.stringify(chain) : null,
        };
        if (decision?.kind === 'defer')
          return { ...routed, status: 'deferred', reason: 'quiet_hours', next_attempt_at: decision.until };
        return routed;
      }
      const status = c.integrationId ? integrationStatus.get(c.integrationId) : undefined;
      if (status === undefined) return suppress('unroutable');
      if (status !== 'active') return suppress('integration_disabled');
      return base;
    });

    // A person unreachable on the action's channel is tried at once on the first channel of its fallback,
    // or when their quiet hours end, as a first delivery on that channel would be. One this message
    // already takes to them (a workflow message goes to every channel they allow) ends the chain, as the
    // unique key ends it in the delivery stage: the limits count no row twice.
    const planned = new Set(rows.map((r) => `${r.recipient_type}:${r.recipient_id}:${r.channel}`));
    const candidateOf = new Map(rows.map((row, i) => [row, list[i]!]));
    for (const row of [...rows]) {
      if (row.status !== 'suppressed' || row.reason !== 'unroutable') continue;
      const next = nextFallback(row, personal, now);
      if (!next) continue;
      const key = `${next.recipient_type}:${next.recipient_id}:${next.channel}`;
      if (planned.has(key)) continue;
      planned.add(key);
      const person = candidateOf.get(row);
      const decision =
        person && next.status === 'pending' ? decide(person, next.channel as ChannelKind) : undefined;
      rows.push(
        decision?.kind === 'defer'
          ? { ...next, status: 'deferred', reason: 'quiet_hours', next_attempt_at: decision.until }
          : next,
      );
    }
    return { notification, rows, routes: job.rules, now };
  }

  /**
   * Writes a plan in the caller's transaction: limits and digests, the delivery rows, their jobs. The
   * unique key (notification, recipient, channel) makes a repeated fan-out write nothing twice. Pass the
   * result to `finish` once the transaction committed.
   */
  async function write(trx: Transaction<Database>, planned: FanOutPlan): Promise<FanOutWritten> {
    return (await writeMany(trx, [planned]))[0]!;
  }

  /**
   * {@link write} for the plans of several notifications in one transaction (the firings of events
   * evaluated together): one insert for all their deliveries and one for each kind of job, instead of
   * one per notification. Answers each plan's result, in order; each holds one slot of the hand-off.
   */
  async function writeMany(
    trx: Transaction<Database>,
    plans: readonly FanOutPlan[],
  ): Promise<FanOutWritten[]> {
    const throttledPlans: {
      readonly rows: readonly DeliveryTable[];
      readonly jobs: readonly JobInput[];
      /** The delivery whose job is handed over, as written claimed. */
      readonly claimed?: DeliveryTable;
    }[] = [];
    for (const planned of plans) {
      const { notification, rows, routes, now } = planned;
      const throttled =
        rows.length > 0 && deps.throttle
          ? await deps.throttle(trx, { notification, rows, routes, now })
          : { rows, jobs: [] };
      // The delivery whose job is handed over (the first one due now) is written claimed.
      const handed =
        deps.handoff && deps.claimed
          ? throttled.rows.find((r) => r.status === 'pending' && (r.next_attempt_at ?? now) <= now)
          : undefined;
      throttledPlans.push({ ...throttled, ...(handed ? { claimed: asClaimed(handed, now) } : {}) });
    }
    const written = await insertDeliveries(
      trx,
      throttledPlans.flatMap(({ rows, claimed }) =>
        rows.map((row) => (row.id === claimed?.id ? claimed : row)),
      ),
    );
    const inserted = throttledPlans.map(({ rows }) => rows.filter((row) => written.has(row.id)));
    const jobs = await writeJobGroups(
      trx,
      throttledPlans.map((throttled, i) => ({
        jobs: [
          ...inserted[i]!.filter((r) => r.status === 'pending' || r.status === 'deferred').map((r) => ({
            id: `deliver_${r.id}_0`,
            kind: 'deliver' as const,
            payload: { deliveryId: r.id },
            runAt: r.next_attempt_at ?? plans[i]!.now,
          })),
          ...throttled.jobs,
        ],
      })),
      Math.max(...plans.map((planned) => planned.now)),
      deps.handoff,
    );
    return throttledPlans.map(({ claimed }, i) => ({
      rows: inserted[i]!,
      jobs: jobs[i]!,
      ...(claimed && written.has(claimed.id) ? { claimed } : {}),
    }));
  }

  /** After the transaction of `write` committed: counts the rows, then runs or queues their jobs. */
  async function finish(written: FanOutWritten): Promise<void> {
    // Counted as decided (pending), whether or not written claimed for its send.
    deps.onDeliveries?.(written.rows);
    if (written.claimed) deps.claimed?.put(written.claimed);
    await afterCommit(written.jobs, deps.onJobsCommitted, deps.handoff);
  }

  return {
    plan,
    write,
    writeMany,
    finish,
    /**
     * The `notify` job: a notification's fan-out in one transaction of its own. One about a project
     * deleted since it was raised goes to nobody.
     */
    async notify(job: Job): Promise<void> {
      const notification = await deps.notifications.get(String(job.payload.notificationId));
      if (!notification) return;
      if (notification.projectId !== null && !(await deps.references.project(notification.projectId))) return;
      const planned = await plan(notification, {
        ...(Array.isArray(job.payload.targets) ? { targets: job.payload.targets as Target[] } : {}),
        rules: (job.payload.rules as FiredRuleRoute[] | undefined) ?? [],
      });
      await finish(await db.transaction().execute((trx) => write(trx, planned)));
    },
  };
}

/** The fan-out stage. */
export type FanOut = ReturnType<typeof fanOut>;

/**
 * A notification's deliveries as decided before the transaction that writes them: what the throttle
 * stage takes in that transaction.
 */
export type FanOutPlan = ThrottleInput;

/** What a fan-out wrote: its rows, the jobs to run or queue, the delivery written claimed (if any). */
export interface FanOutWritten {
  readonly rows: readonly DeliveryTable[];
  readonly jobs: WrittenJobs;
  readonly claimed?: DeliveryTable;
}
