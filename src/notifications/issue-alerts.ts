import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { HeraldEvent, IngestOutcome } from '../events/event.js';
import { loadEvaluation, type StoredEvents } from '../events/event-records.js';
import { newId } from '../ids.js';
import { afterCommit, enqueueJobs, type Job, type JobHandoff, NO_JOBS, writeJobs } from '../queue/queue.js';
import type { FrequencyReader, RuleInput } from '../rules/condition.js';
import type { FiredRule, RuleProcessor } from '../rules/rule-processor.js';
import type { Database } from '../store/schema.js';
import type { References } from '../tenancy/reference-cache.js';
import type { FanOut, FanOutWritten } from './fan-out.js';
import { type IssueRefs, issueRefs } from './issue-refs.js';
import type { NotificationStore } from './notification-store.js';
import { builtPayload } from './registry.js';
import { type IssueAlertPayload, issueAlertType } from './types/issue-alert.js';

/** What turning an evaluated event into an issue alert needs. */
export interface IssueAlertDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly processor: RuleProcessor;
  readonly frequency: FrequencyReader;
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
  readonly fanOut?: Pick<FanOut, 'plan' | 'write' | 'finish'>;
}

/** The rules and actions a `fan-out` job routes: everything it needs, frozen at firing time. */
export interface FiredRuleRoute {
  readonly id: string;
  readonly name: string;
  readonly actions: FiredRule['actions'];
  readonly mutedUserIds: readonly string[];
}

/**
 * The `evaluate-event` job: runs the project's rules on the event; when some fire, creates ONE
 * notification naming all of them (so a recipient gets one message, not one per rule) in the same
 * transaction that claims their action intervals, and writes its fan-out job.
 */
export function issueAlerts(deps: IssueAlertDeps) {
  const { db, clock } = deps;

  return async function evaluateEvent(job: Job): Promise<void> {
    const eventRowId = String(job.payload.eventId);
    try {
      await evaluate(job, eventRowId);
    } finally {
      // Its evaluation and fan-out have read it: a later reader (a fan-out job of its own) reads it back.
      deps.events.forget(eventRowId);
    }
  };

  async function evaluate(job: Job, eventRowId: string): Promise<void> {
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
    const loaded = await loadEvaluation(db, deps.events, eventRowId);
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

    // Read before the transaction: on SQLite the transaction holds the only connection.
    const refs = await issueRefs(db, issueRow, deps.publicUrl(), deps.references);
    if (!refs) return;
    const notificationId = newId('ntf', clock.now());
    const notificationOf = (won: readonly FiredRule[]) => ({
      orgId,
      projectId: issue.projectId,
      type: 'issue_alert',
      issueId: issue.id,
      eventId: eventRowId,
      ruleIds: won.map((r) => r.id),
      payload: builtPayload(issueAlertType, buildPayload(refs, stored.event, won)),
    });
    // The fan-out reads before the transaction too, planned for every rule that matched: they nearly
    // always all win their action interval, and then the plan is written as it is.
    const firing = notificationOf(rules);
    const { fanOut } = deps;
    const planned = fanOut
      ? await fanOut.plan(
          { id: notificationId, ...firing, createdAt: clock.now() },
          { rules: rules.map(routeOf) },
        )
      : undefined;
    let fannedOut: FanOutWritten | undefined;
    const written = await db.transaction().execute(async (trx) => {
      const won = await deps.processor.claim(trx, issue.id, rules, lastFired);
      if (won.length === 0) return NO_JOBS;
      const allWon = won.length === rules.length;
      const created = await deps.notifications.create(trx, {
        id: notificationId,
        ...(allWon ? firing : notificationOf(won)),
        dedupeKey: `issue_alert:${eventRowId}`,
        eventReceivedAt: stored.receivedAt,
      });
      if (!created.created) return NO_JOBS;
      if (fanOut && planned && allWon) {
        fannedOut = await fanOut.write(trx, planned);
        return NO_JOBS;
      }
      // Another evaluation took some of the rules meanwhile: the fan-out routes the rest, in its own job.
      const fanOutJob = {
        id: `fanout_${created.id}`,
        kind: 'notify' as const,
        payload: { notificationId: created.id, rules: won.map(routeOf) },
      };
      return writeJobs(trx, [fanOutJob], clock.now(), deps.handoff);
    });
    if (fannedOut) await fanOut?.finish(fannedOut);
    await afterCommit(written, deps.onJobsCommitted, deps.handoff);
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
