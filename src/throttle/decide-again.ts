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
  readonly userId: string;
  readonly channel: string;
}

/** What holds for a held delivery now: its decision, and whether its person reads email digests. */
export interface DecidedAgain {
  readonly decision: Decision;
  readonly emailDigests: boolean;
}

/**
 * Decides held deliveries again when they are about to be sent, with their people's settings as they
 * are now, in the caller's transaction: what a person turned off or snoozed since the delivery was held
 * is suppressed, and quiet hours set since make it wait. Only the person's settings are read again; the
 * relation that made them a recipient (subscribed to the issue, author of a commit) is taken as it was.
 * Held deliveries are decided as not critical: critical messages never wait for quiet hours, and a digest
 * is not critical. Deliveries of a type no longer registered are left to the delivery stage (`send`).
 */
export async function decideAgain(
  decisions: PreferenceDecisions,
  trx: Transaction<Database>,
  held: readonly HeldDelivery[],
  now: number,
): Promise<Map<string, DecidedAgain>> {
  const out = new Map<string, DecidedAgain>();
  // One question per organization, project and settings category: that is what a decision is scoped by.
  const groups = new Map<
    string,
    { first: HeldDelivery; category: SettingType | null; rows: HeldDelivery[] }
  >();
  for (const row of held) {
    const type = notificationType(row.type);
    if (!type) {
      out.set(row.id, { decision: { kind: 'send' }, emailDigests: true });
      continue;
    }
    const key = `${row.orgId}\u0000${row.projectId ?? ''}\u0000${type.category ?? ''}`;
    const group = groups.get(key) ?? { first: row, category: type.category, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  for (const { first, category, rows } of groups.values()) {
    const decided = await decisions.decide(
      {
        orgId: first.orgId,
        projectId: first.projectId,
        category,
        critical: false,
        queries: rows.map((row) => ({
          userId: row.userId,
          channel: row.channel as ChannelKind,
          subscribed: true,
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
