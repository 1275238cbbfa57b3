import type { Transaction } from 'kysely';
import type { ChannelKind } from '../delivery/channel.js';
import type { FiredRuleRoute } from '../notifications/issue-alerts.js';
import type { StoredNotification } from '../notifications/notification-store.js';
import { loadDeliveryOptions } from '../people/user-options.js';
import type { JobInput } from '../queue/queue.js';
import type { Database, DeliveryTable, DigestKeyTable } from '../store/schema.js';
import { chatWindowOptions, type DigestOptions, sendsAtOnce } from './digest-schedule.js';
import { type DigestTarget, digestKey, digestStore } from './digest-store.js';
import type { TokenBuckets } from './limiter.js';
import type { ThrottleSettings } from './throttle-settings.js';

/** What the throttle stage needs. */
export interface ThrottleStageDeps {
  readonly limiter: TokenBuckets;
  readonly settings: ThrottleSettings;
}

/** One fan-out's deliveries as the throttle stage sees them. */
export interface ThrottleInput {
  readonly notification: StoredNotification;
  readonly rows: readonly DeliveryTable[];
  /** The rules that fired, with their actions (a chat action may ask for a digest window). */
  readonly routes: readonly FiredRuleRoute[];
  readonly now: number;
}

/** The rows to write, some now `digested` into a digest, and the digest jobs to write with them. */
export interface ThrottleOutput {
  readonly rows: DeliveryTable[];
  readonly jobs: JobInput[];
}

/** Chat channels whose rule actions may carry a digest window. */
const CHAT: ReadonlySet<string> = new Set(['slack', 'msteams', 'discord']);

/** The digest a delivery of a notification batches under (one key is project × recipient × channel). */
export function digestTargetOf(
  n: { readonly orgId: string; readonly projectId: string | null },
  row: Pick<DeliveryTable, 'recipient_type' | 'recipient_id' | 'channel' | 'integration_id'>,
): DigestTarget {
  // A person's email goes through whichever mail integration is active: the person is the key.
  const integrationId = row.recipient_type === 'user' ? null : row.integration_id;
  return {
    key: digestKey(n.projectId, row.recipient_type, row.recipient_id, row.channel, integrationId),
    orgId: n.orgId,
    projectId: n.projectId,
    recipientType: row.recipient_type,
    recipientId: row.recipient_id,
    channel: row.channel,
    integrationId,
  };
}

/** The token bucket of a recipient on a channel. */
export function bucketKey(target: DigestTarget): string {
  return `${target.recipientType}:${target.integrationId ?? '-'}:${target.recipientId}:${target.channel}`;
}

/** Whether a person reads this type on this channel in email digests (issue alerts, digests on). */
export function digestsForPerson(type: string, channel: string, emailDigests: boolean): boolean {
  return type === 'issue_alert' && channel === 'email' && emailDigests;
}

/**
 * The throttle stage, run by fan-out inside its transaction for the rows it is about to write. Each
 * pending delivery about an issue goes out now, or is held (`digested`, reason `digest`) in the digest
 * of its key (project × recipient × channel) on Sentry's schedule, or, when the recipient's token bucket
 * for the channel is empty, is held all the same (reason `throttled`): flood protection never drops. A
 * delivery about no issue (a deploy) takes a token too, and is held only when there is none.
 * Email issue alerts digest unless the person turned email digests off; chat actions opt in with a window.
 */
export function throttleStage(deps: ThrottleStageDeps) {
  /** The digest window a chat row's action asked for, if any. */
  function chatWindow(row: DeliveryTable, routes: readonly FiredRuleRoute[]): number | null {
    if (!CHAT.has(row.channel)) return null;
    for (const route of routes) {
      for (const action of route.actions) {
        if (
          action.id !== row.channel ||
          !('integration' in action) ||
          action.integration !== row.integration_id
        )
          continue;
        const address =
          'channel' in action && typeof action.channel === 'string' ? action.channel : action.integration;
        if (address === row.recipient_id && 'digest' in action && action.digest)
          return action.digest.windowSeconds;
      }
    }
    return null;
  }

  return async function apply(trx: Transaction<Database>, input: ThrottleInput): Promise<ThrottleOutput> {
    const { notification: n, now } = input;
    const rows = [...input.rows];
    // A notification about no project (an integration disabled) is the organization's own: it has no
    // digest to wait in, and is rare.
    if (n.projectId === null) return { rows, jobs: [] };
    const issueId = n.issueId;
    const { limits } = await deps.settings.limits(n.orgId, trx);
    // One about no issue (a deploy, a release) is only limited: it has no issue to digest by, and
    // waits in the digest, among the "other notifications", only once the recipient's bucket is empty.
    const candidates = rows
      .map((row, index) => ({ row, index }))
      .filter(
        ({ row }) =>
          row.status === 'pending' &&
          (limits[row.channel as ChannelKind] !== null ||
            (issueId !== null && (CHAT.has(row.channel) || row.channel === 'email'))),
      );
    if (candidates.length === 0) return { rows, jobs: [] };

    // A repeated fan-out must not count a delivery twice: rows already written are left to the insert.
    const written = new Set(
      (
        await trx
          .selectFrom('deliveries')
          .select(['recipient_type', 'recipient_id', 'channel'])
          .where('notification_id', '=', n.id)
          .execute()
      ).map((r) => `${r.recipient_type}:${r.recipient_id}:${r.channel}`),
    );
    const projectOptions = await deps.settings.digestOptions(n.projectId, trx);
    const emailUsers = candidates.filter(
      ({ row }) => issueId !== null && row.channel === 'email' && row.recipient_type === 'user',
    );
    const people = await loadDeliveryOptions(
      trx,
      emailUsers.map(({ row }) => row.recipient_id),
    );

    const planned = candidates
      .filter(({ row }) => !written.has(`${row.recipient_type}:${row.recipient_id}:${row.channel}`))
      .map(({ row, index }) => {
        const target = digestTargetOf(n, row);
        const window = chatWindow(row, input.routes);
        let digest: DigestOptions | null = null;
        if (issueId === null) digest = null;
        else if (n.type === 'issue_alert' && window !== null) digest = chatWindowOptions(window);
        else if (
          row.recipient_type === 'user' &&
          digestsForPerson(n.type, row.channel, people.get(row.recipient_id)?.emailDigests ?? true)
        )
          digest = projectOptions;
        return { row, index, target, digest };
      })
      // Keys are locked in one order by every fan-out, so two of them never wait on each other.
      .sort((a, b) => (a.target.key < b.target.key ? -1 : a.target.key > b.target.key ? 1 : 0));

    const jobs: JobInput[] = [];
    for (const { row, index, target, digest } of planned) {
      const limit = limits[row.channel as ChannelKind] ?? null;
      const bucket = bucketKey(target);
      const token = () =>
        limit === null ? Promise.resolve(true) : deps.limiter.take(trx, bucket, limit, now);
      const hold = async (state: DigestKeyTable, reason: 'digest' | 'throttled') => {
        const added = await digestStore.add(trx, state, target, digest ?? projectOptions, now);
        if (added.job) jobs.push(added.job);
        rows[index] = {
          ...row,
          status: 'digested',
          reason,
          digest_id: added.digestId,
          next_attempt_at: null,
        };
      };

      // Sent at once unless over the limit: the key is written only to hold it.
      if (digest === null || issueId === null) {
        if (!(await token())) await hold(await digestStore.lockKey(trx, target.key, now), 'throttled');
        continue;
      }
      const state = await digestStore.lockKey(trx, target.key, now);
      const newIssue = await digestStore.firstOfIssue(trx, target.key, issueId, now);
      const last = state.last_delivered_at === null ? null : Number(state.last_delivered_at);
      if (digest.immediateNewIssues && newIssue) {
        if (await token()) {
          if (last === null) await digestStore.delivered(trx, target.key, now);
        } else await hold(state, 'throttled');
      } else if (state.open_digest_id !== null) {
        await hold(state, 'digest');
      } else if (sendsAtOnce(last, now, digest)) {
        if (await token()) await digestStore.delivered(trx, target.key, now);
        else await hold(state, 'throttled');
      } else {
        await hold(state, 'digest');
      }
    }
    return { rows, jobs };
  };
}

/** The throttle stage: `apply(trx, input)`. */
export type ThrottleStage = ReturnType<typeof throttleStage>;
