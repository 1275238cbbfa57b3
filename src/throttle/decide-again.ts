import type { Transaction } from 'kysely';
import type { ChannelKind } from '../delivery/channel.js';
import { notificationType } from '../notifications/registry.js';
import type { Decision, SuppressReason } from '../preferences/decide.js';
import type { PreferenceDecisions } from '../preferences/decisions.js';
import type { SettingType } from '../preferences/setting-schema.js';
import type { Database } from '../store/schema.js';

/** A delivery to a person that was held (in a digest, or for quiet hours), as deciding it again needs it. */
export interface HeldDelivery {
  readonly id: string;
  readonly orgId: string;
  readonly projectId: string | null;
  /** The notification's type id. */
  readonly type: string;
  /** The issue the notification is about, if any: workflow messages reach its followers. */
  readonly issueId: string | null;
  readonly userId: string;
  readonly channel: string;
  /**
   * The notification is critical: quiet hours let it through. Only a fallback step decided as it is
   * taken (delivery/fallback-chain.ts) says so; what was held is never critical (see decideAgain).
   */
  readonly critical?: boolean;
}

/** What holds for a held delivery now: its decision, and whether its person reads email digests. */
export interface DecidedAgain {
  readonly decision: Decision;
  readonly emailDigests: boolean;
}

/**
 * Decides held deliveries again when they are about to be sent, with their people's settings as they
 * are now, in the caller's transaction: what a person turned off or snoozed since the delivery was held
 * is suppressed, and quiet hours set since make it wait. A workflow message goes to who follows its
 * issue now: one who unfollowed it since is `suppressed` (`unsubscribed`), since an explicit unfollow
 * wins over a workflow setting of `always` as it does in fan-out (recipients/resolve.ts), and one who
 * came by `always` without following keeps it only while that setting holds. Authorship of a release's
 * commits is taken as it was. Held deliveries are decided as not critical unless one says it is:
 * critical messages never wait for quiet hours, and a digest is not critical. Deliveries of a type no
 * longer registered are left to the delivery stage (`send`).
 */
export async function decideAgain(
  decisions: PreferenceDecisions,
  trx: Transaction<Database>,
  held: readonly HeldDelivery[],
  now: number,
): Promise<Map<string, DecidedAgain>> {
  const out = new Map<string, DecidedAgain>();
  const subscriptions = await followed(
    trx,
    held.flatMap((row) =>
      row.issueId !== null && notificationType(row.type)?.category === 'workflow'
        ? [{ issueId: row.issueId, userId: row.userId }]
        : [],
    ),
  );
  const following = new Map<string, boolean>();
  // One question per organization, project, settings category and criticality: what a decision is
  // scoped by.
  const groups = new Map<
    string,
    { first: HeldDelivery; category: SettingType | null; critical: boolean; rows: HeldDelivery[] }
  >();
  for (const row of held) {
    const type = notificationType(row.type);
    if (!type) {
      out.set(row.id, { decision: { kind: 'send' }, emailDigests: true });
      continue;
    }
    if (type.category === 'workflow' && row.issueId !== null) {
      const follows = subscriptions.get(followKey(row.issueId, row.userId));
      if (follows === false) {
        out.set(row.id, { decision: { kind: 'suppress', reason: 'unsubscribed' }, emailDigests: true });
        continue;
      }
      following.set(row.id, follows === true);
    }
    const critical = row.critical ?? false;
    const key = `${row.orgId}\u0000${row.projectId ?? ''}\u0000${type.category ?? ''}\u0000${critical}`;
    const group = groups.get(key) ?? { first: row, category: type.category, critical, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  for (const { first, category, critical, rows } of groups.values()) {
    const decided = await decisions.decide(
      {
        orgId: first.orgId,
        projectId: first.projectId,
        category,
        critical,
        queries: rows.map((row) => ({
          userId: row.userId,
          channel: row.channel as ChannelKind,
          subscribed: following.get(row.id) ?? true,
          committed: true,
        })),
        now,
      },
      trx,
    );
    rows.forEach((row, i) => {
      out.set(row.id, decided[i]!);
    });
  }
  return out;
}

function followKey(issueId: string, userId: string): string {
  return `${issueId}\u0000${userId}`;
}

/**
 * Whether each person follows each issue, by {@link followKey}: true when subscribed, false after an
 * explicit unfollow; absent when the person never followed it.
 */
async function followed(
  trx: Transaction<Database>,
  pairs: readonly { readonly issueId: string; readonly userId: string }[],
): Promise<Map<string, boolean>> {
  if (pairs.length === 0) return new Map();
  const found = await trx
    .selectFrom('issue_subscriptions')
    .select(['issue_id', 'user_id', 'subscribed'])
    .where('issue_id', 'in', [...new Set(pairs.map((p) => p.issueId))])
    .where('user_id', 'in', [...new Set(pairs.map((p) => p.userId))])
    .execute();
  return new Map(found.map((r) => [followKey(r.issue_id, r.user_id), Number(r.subscribed) === 1]));
}

/** The held deliveries {@link decideAgain} suppressed, by reason: each reason is written with one update. */
export function suppressedByReason(
  decided: ReadonlyMap<string, DecidedAgain>,
): Map<SuppressReason, string[]> {
  const out = new Map<SuppressReason, string[]>();
  for (const [id, { decision }] of decided) {
    if (decision.kind === 'suppress') out.set(decision.reason, [...(out.get(decision.reason) ?? []), id]);
  }
  return out;
}
