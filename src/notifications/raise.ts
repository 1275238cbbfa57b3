import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { enqueueJobs } from '../queue/queue.js';
import type { Database } from '../store/schema.js';
import type { NotificationStore } from './notification-store.js';
import type { Target } from './targets.js';

/** A notification to create, with whom it goes to. */
export interface Raise {
  readonly orgId: string;
  readonly projectId: string | null;
  readonly issueId?: string | null;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  /** The cause; raising the same cause twice creates one notification. */
  readonly dedupeKey: string;
  readonly targets: readonly Target[];
}

/**
 * Creates a notification and its fan-out job in one transaction (so neither exists without the other),
 * then tells the queue. Raising an existing cause again does nothing.
 */
export async function raiseNotification(
  deps: {
    readonly db: Kysely<Database>;
    readonly clock: Clock;
    readonly notifications: NotificationStore;
    readonly onJobsCommitted: (ids: string[]) => void;
  },
  input: Raise,
): Promise<string | null> {
  const result = await deps.db.transaction().execute(async (trx) => {
    const created = await deps.notifications.create(trx, {
      orgId: input.orgId,
      projectId: input.projectId,
      type: input.type,
      issueId: input.issueId ?? null,
      eventId: null,
      ruleIds: [],
      payload: input.payload,
      dedupeKey: input.dedupeKey,
    });
    if (!created.created) return { id: null, jobIds: [] };
    const jobIds = await enqueueJobs(
      trx,
      [
        {
          id: `fanout_${created.id}`,
          kind: 'notify',
          payload: { notificationId: created.id, targets: input.targets },
        },
      ],
      deps.clock.now(),
    );
    return { id: created.id, jobIds };
  });
  if (result.jobIds.length > 0) deps.onJobsCommitted(result.jobIds);
  return result.id;
}
