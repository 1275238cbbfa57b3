import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { HeraldEvent, IngestOutcome } from '../events/event.js';
import { evaluatedIssues, loadEvaluation, type StoredEvents } from '../events/event-records.js';
import { newId } from '../ids.js';
import {
  afterCommit,
  enqueueJobs,
  type Job,
  type JobHandoff,
  NO_JOBS,
  type WrittenJobs,
  writeJobGroups,
} from '../queue/queue.js';
import type { FrequencyReader, RuleInput } from '../rules/condition.js';
import type { InhibitRules } from '../rules/inhibit-rules.js';
import type { FiredRule, RuleProcessor } from '../rules/rule-processor.js';
import type { Silences } from '../rules/silences.js';
import { codePointOrder } from '../store/code-point-order.js';
import { retryingRaces } from '../store/races.js';
import type { Database } from '../store/schema.js';
import { isolatedWrites } from '../store/turn-batch.js';
import type { References } from '../tenancy/reference-cache.js';
import type { FanOut, FanOutPlan, FanOutWritten } from './fan-out.js';
import { alertRef, type IssueRefs, issueRefs } from './issue-refs.js';
import type { NewNotification, NotificationStore } from './notification-store.js';
import { builtPayload } from './registry.js';
import { type IssueAlertPayload, issueAlertType } from './types/issue-alert.js';

/** What turning an evaluated event into an issue alert needs. */
export interface IssueAlertDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly processor: RuleProcessor;
  readonly frequency: FrequencyReader;
  /** The projects' silences: an event an active one matches fires no rule. Absent: nothing is silenced. */
  readonly silences?: Pick<Silences, 'matching'>;
  /**
   * Told of each event a silence kept from the rules, with every silence that matched it (the metric
   * counts the event, each silence counts it too).
   */
  readonly onSilenced?: (silenceIds: readonly string[]) => void;
  /**
   * The projects' inhibit rules: an event a firing source inhibits fires no rule. Absent: nothing is
   * inhibited.
   */
  readonly inhibitions?: Pick<InhibitRules, 'inhibition' | 'note'>;
  /**
   * Told of each event an inhibit rule kept from the rules, with every rule that inhibited it (the
   * metric counts the event, each rule counts it too).
   */
  readonly onInhibited?: (ruleIds: readonly string[]) => void;
  readonly notifications: NotificationStore;
  /** Stored events read back (shared with the fan-out stage, which reads the same events). */
  readonly events: StoredEvents;
  /** The project's latest release, for `latest_release` filters: read only when a rule has one. */
  readonly latestRelease: (projectId: string) => Promise<string | null>;
  /** The organization and project the notification names (a cache shared with the other stages). */
  readonly references: References;
  /** Base URL for links. */
  readonly publicUrl: () => string;
  /** Told the ids of jobs written by a committed transaction. */
  readonly onJobsCommitted: (ids: string[]) => void;
  /** When given, the fan-out of a firing runs in this job's slot once it committed (see JobHandoff). */
  readonly handoff?: JobHandoff;
  /**
   * When given, a firing's deliveries are written in the transaction that creates its notification (no
   * `notify` job between them); without it, that transaction writes the notification's `notify` job.
   */
  readonly fanOut?: Pick<FanOut, 'plan' | 'writeMany' | 'finish'>;
}

/** The rules and actions a `fan-out` job routes: everything it needs, frozen at firing time. */
export interface FiredRuleRoute {
  readonly id: string;
  readonly name: string;
  readonly actions: FiredRule['actions'];
  readonly mutedUserIds: readonly string[];
}

/** An evaluation whose rules matched, with everything read for it: what its transaction writes. */
interface Firing {
  readonly eventRowId: string;
  readonly issueId: string;
  readonly rules: readonly FiredRule[];
  readonly lastFired: ReadonlyMap<string, number>;
  /** The notification of the rules that win their interval (all of them, nearly always). */
  readonly notificationOf: (won: readonly FiredRule[]) => NewNotification;
  /** The fan-out planned for all the rules, written as it is when they all win. */
  readonly planned?: FanOutPlan;
}

/** What a firing's transaction wrote: the jobs to run or queue, and the fan-out when it was written too. */
interface FiringWritten {
  readonly jobs: WrittenJobs;
  readonly fannedOut?: FanOutWritten;
}

const NOTHING_WRITTEN: FiringWritten = { jobs: NO_JOBS };

/**
 * The `evaluate-event` job: runs the project's rules on the event; when some fire, creates ONE
 * notification naming all of them (so a recipient gets one message, not one per rule) in the same
 * transaction that claims their action intervals, and writes its fan-out (or its fan-out job).
 *
 * The evaluations that reach that transaction in one turn of the event loop (the events of one ingest
 * request, handed over together) share it: one insert for all their notifications, one for all their
 * deliveries, one for all their jobs, instead of one each per event. A shared transaction that fails is
 * written again one firing at a time, so a bad firing fails only its own evaluation (its job then runs
 * again, as when a single transaction failed).
 */
export function issueAlerts(deps: IssueAlertDeps) {
  const { db, clock } = deps;
  const issues = evaluatedIssues(db);

  // Firings that reach their transaction in one turn share it (see above); one that failed in a shared
  // transaction and again alone answers its error, which fails its own evaluation only. The batch is
  // written as soon as every evaluation in flight has reached it or ended without a firing, and at the
  // latest when the turn ends: a lone evaluation (a steady stream of single events) is not held for the
  // turn, which put its transaction in the next group COMMIT (firing p50 / p99 at 1,000 events/s
  // 6 / 14 → 11 / 23 ms in `bench/ingest.ts 30 --scenario=latency`).
  let arriving = 0;
  const arrived = () => {
    arriving--;
    if (arriving === 0) writeFiring.flush();
  };
  const writeFiring = isolatedWrites(writeFirings, NOTHING_WRITTEN);

  return async function evaluateEvent(job: Job): Promise<void> {
    const eventRowId = String(job.payload.eventId);
    const arrival = { done: false };
    arriving++;
    try {
      await evaluate(job, eventRowId, arrival);
    } finally {
      if (!arrival.done) arrived();
      // Its evaluation and fan-out have read it: a later reader (a fan-out job of its own) reads it back.
      deps.events.forget(eventRowId);
    }
  };

  /** Evaluates; sets `arrival.done` once its firing is in the batch to write (see `arriving`). */
  async function evaluate(job: Job, eventRowId: string, arrival: { done: boolean }): Promise<void> {
    const outcome: IngestOutcome = {
      isNew: job.payload.isNew === true,
      isRegression: job.payload.isRegression === true,
      isReappeared: job.payload.isReappeared === true,
      isNewInEnvironment: job.payload.isNewInEnvironment === true,
    };
    // A project without alert rules has nothing to match: neither its event nor its issue is read (the
    // issue read alone was 9 µs of the 210 µs an event costs the embedded default). A regression still
    // goes on, to tell its subscribers.
    const projectId = job.payload.projectId;
    const projectRules = typeof projectId === 'string' ? await deps.processor.rules(projectId) : undefined;
    if (!outcome.isRegression && projectRules?.length === 0) return;
    const loaded = await loadEvaluation(issues, deps.events, eventRowId);
    if (!loaded) return;
    const { stored, issue, issueRow, orgId } = loaded;
    if (outcome.isRegression) {
      // Regression is workflow activity: its subscribers hear of it whatever the alert rules say.
      const ids = await enqueueJobs(
        db,
        [
          {
            id: `workflow_regression_${eventRowId}`,
            kind: 'workflow',
            payload: { activity: 'regression', issueId: issue.id, actorId: null, cause: eventRowId },
          },
        ],
        clock.now(),
      );
      deps.onJobsCommitted(ids);
    }
    // The event is its issue's latest now: a source it starts (or stops) being counts at once, muted
    // or not, as Alertmanager's silenced alerts still inhibit. Evaluations run concurrently, so a target
    // evaluated before its source (the two in one request) may fire, as Alertmanager lets a target
    // through that arrives before its source; so may one evaluated in another process, until that
    // process's cache of the project's sources is read again.
    deps.inhibitions?.note(issue.projectId, issue.id, stored.event);
    let latestRelease: Promise<string | null> | undefined;
    const input: RuleInput = {
      event: stored.event,
      issue,
      outcome,
      // Windows and ages are anchored at arrival, so a queue that lags does not shift them.
      now: stored.receivedAt,
      // Read once, by the first rule whose `latest_release` filter gets that far.
      latestRelease: () => {
        latestRelease ??= deps.latestRelease(issue.projectId);
        return latestRelease;
      },
      frequency: deps.frequency,
    };
    // The rules read above (the job's project is its issue's); read here for a job that does not name it.
    const { rules, lastFired } = await deps.processor.matching(input, projectRules);
    if (rules.length === 0) return;
    // Asked only of an event some rule would fire for: one that matches none pays nothing for them.
    if (await muted(issue.projectId, issue.id, eventRowId, stored)) return;

    // Read before the transaction: on SQLite the transaction holds the only connection.
    const refs = await issueRefs(db, issueRow, deps.publicUrl(), deps.references);
    if (!refs) return;
    const notificationId = newId('ntf', clock.now());
    const notificationOf = (won: readonly FiredRule[]): NewNotification => ({
      id: notificationId,
      orgId,
      projectId: issue.projectId,
      type: 'issue_alert',
      issueId: issue.id,
      eventId: eventRowId,
      ruleIds: won.map((r) => r.id),
      payload: builtPayload(issueAlertType, buildPayload(refs, stored.event, won)),
      dedupeKey: `issue_alert:${eventRowId}`,
      eventReceivedAt: stored.receivedAt,
    });
    // The fan-out reads before the transaction too, planned for every rule that matched: they nearly
    // always all win their action interval, and then the plan is written as it is.
    const all = notificationOf(rules);
    const planned = deps.fanOut
      ? await deps.fanOut.plan(
          {
            id: notificationId,
            orgId,
            projectId: issue.projectId,
            type: all.type,
            issueId: issue.id,
            eventId: eventRowId,
            ruleIds: [...all.ruleIds],
            payload: all.payload,
            createdAt: clock.now(),
          },
          { rules: rules.map(routeOf) },
        )
      : undefined;
    const firing: Firing = {
      eventRowId,
      issueId: issue.id,
      rules,
      lastFired,
      notificationOf: (won) => (won.length === rules.length ? all : notificationOf(won)),
      ...(planned ? { planned } : {}),
    };
    const writing = writeFiring(firing);
    arrival.done = true;
    arrived();
    const written = await writing;
    if (written.fannedOut) await deps.fanOut?.finish(written.fannedOut);
    await afterCommit(written.jobs, deps.onJobsCommitted, deps.handoff);
  }

  /**
   * Whether a silence or an inhibit rule keeps the event from the rules it matched. A muted event fires
   * no rule and claims no action interval, so the first event after the mute ends fires as if it had not
   * been; it was stored and counted all the same (frequency conditions and `issue_occurrences` count it
   * afterwards, as Alertmanager keeps a silenced alert in its store). Silences judge it at its arrival,
   * like windows and ages; inhibition now, since a source is firing or not. A project without either
   * answers from their caches. A silenced event is not held against the inhibit rules as well, so none
   * of them counts it as muted.
   */
  async function muted(
    projectId: string,
    issueId: string,
    eventRowId: string,
    stored: { readonly event: HeraldEvent; readonly receivedAt: number },
  ): Promise<boolean> {
    const silencedBy = deps.silences
      ? await deps.silences.matching(projectId, stored.event, stored.receivedAt)
      : [];
    if (silencedBy.length > 0) {
      deps.onSilenced?.(silencedBy);
      deps.logger.debug({ eventId: eventRowId, issueId, silences: silencedBy }, 'event silenced');
      return true;
    }
    const inhibition = deps.inhibitions
      ? await deps.inhibitions.inhibition(projectId, issueId, stored.event)
      : undefined;
    if (inhibition && inhibition.sources.length > 0) {
      deps.onInhibited?.(inhibition.rules);
      deps.logger.debug(
        { eventId: eventRowId, issueId, inhibitedBy: inhibition.sources, inhibitRules: inhibition.rules },
        'event inhibited',
      );
      return true;
    }
    return false;
  }

  /**
   * Writes firings in one transaction: each claims its rules' intervals, then the notifications of those
   * that won any, then their fan-outs (or, where another evaluation took some of the rules meanwhile,
   * a fan-out job routing the rest). Taken in the order of their issues (then events), as each claim
   * takes its rules in id order: concurrent groups on PostgreSQL lock the intervals of their issues in one
   * order, so two workers' groups never wait on each other in a cycle there. Their other writes can
   * still meet where PostgreSQL checks unique keys in an order of its own (a deadlock was seen once, four
   * evaluations of one issue at once): it aborts one side, which runs again and, every claim being a
   * compare-and-set, finds what the other committed.
   */
  function writeFirings(group: readonly Firing[]): Promise<Map<Firing, FiringWritten>> {
    const firings = [...group].sort(
      (a, b) => codePointOrder(a.issueId, b.issueId) || codePointOrder(a.eventRowId, b.eventRowId),
    );
    return retryingRaces(() => writeSorted(firings));
  }

  function writeSorted(firings: readonly Firing[]): Promise<Map<Firing, FiringWritten>> {
    return db.transaction().execute(async (trx) => {
      const written = new Map<Firing, FiringWritten>();
      const winners: { firing: Firing; won: FiredRule[] }[] = [];
      for (const firing of firings) {
        const won = await deps.processor.claim(trx, firing.issueId, firing.rules, firing.lastFired);
        if (won.length > 0) winners.push({ firing, won });
      }
      const created = await deps.notifications.createMany(
        trx,
        winners.map(({ firing, won }) => firing.notificationOf(won)),
      );
      const fanning: { firing: Firing; planned: FanOutPlan }[] = [];
      const routing: { firing: Firing; notificationId: string; won: FiredRule[] }[] = [];
      winners.forEach(({ firing, won }, i) => {
        const { id, created: isNew } = created[i]!;
        if (!isNew) return;
        if (deps.fanOut && firing.planned && won.length === firing.rules.length)
          fanning.push({ firing, planned: firing.planned });
        else routing.push({ firing, notificationId: id, won });
      });
      const fannedOut =
        fanning.length > 0
          ? await deps.fanOut!.writeMany(
              trx,
              fanning.map((f) => f.planned),
            )
          : [];
      for (const [i, { firing }] of fanning.entries())
        written.set(firing, { jobs: NO_JOBS, fannedOut: fannedOut[i]! });
      // Another evaluation took some of the rules meanwhile: the fan-out routes the rest, in its own job.
      const jobs = await writeJobGroups(
        trx,
        routing.map(({ notificationId, won }) => ({
          jobs: [
            {
              id: `fanout_${notificationId}`,
              kind: 'notify' as const,
              payload: { notificationId, rules: won.map(routeOf) },
            },
          ],
        })),
        clock.now(),
        deps.handoff,
      );
      for (const [i, { firing }] of routing.entries()) written.set(firing, { jobs: jobs[i]! });
      return written;
    });
  }

  function buildPayload(refs: IssueRefs, event: HeraldEvent, rules: readonly FiredRule[]): IssueAlertPayload {
    const issueUrl = refs.issue.url;
    const frames = (event.exception?.values ?? [])
      .flatMap((value) => value.stacktrace?.frames ?? [])
      .reverse()
      .slice(0, 5)
      .map((f) => ({
        function: f.function ?? null,
        module: f.module ?? null,
        filename: f.filename ?? f.abs_path ?? null,
        lineno: typeof f.lineno === 'number' ? f.lineno : null,
        inApp: f.in_app === true,
      }));
    return {
      ...refs,
      event: {
        eventId: event.eventId,
        message: event.message.slice(0, 100_000),
        environment: event.environment,
        release: event.release,
        platform: event.platform,
        timestamp: new Date(event.timestamp).toISOString(),
        tags: event.tags
          .slice(0, 200)
          .map(([k, v]) => [k.slice(0, 200), v.slice(0, 1000)] as [string, string]),
        frames,
        url: issueUrl,
        ...alertRef(event),
      },
      rules: rules.slice(0, 100).map((r) => ({ id: r.id, name: r.name })),
      ruleCount: rules.length,
    };
  }
}

/** What the fan-out of a firing needs of a rule, frozen at firing time. */
function routeOf(rule: FiredRule): FiredRuleRoute {
  return { id: rule.id, name: rule.name, actions: rule.actions, mutedUserIds: rule.mutedUserIds };
}
