import type { Kysely, Transaction } from 'kysely';
import type { ChannelKind } from '../delivery/channel.js';
import { settingsStore } from '../people/settings-store.js';
import { type FallbackChannel, loadDeliveryOptions } from '../people/user-options.js';
import { recipientStore } from '../recipients/recipient-store.js';
import type { Database } from '../store/schema.js';
import { type Decision, decideDelivery } from './decide.js';
import { resolveSetting } from './resolve.js';
import type { SettingRow, SettingType } from './setting-schema.js';

/** One person × channel the pipeline asks about. */
export interface DecisionQuery {
  readonly userId: string;
  readonly channel: ChannelKind;
  /** Subscribed to the issue (for `subscribe_only`). */
  readonly subscribed?: boolean;
  /** Authored a commit of the release (for `committed_only`). */
  readonly committed?: boolean;
}

/** A decision with the person's rendering preferences. */
export interface PersonDecision {
  readonly decision: Decision;
  readonly emailDigests: boolean;
}

/** What one notification's decisions share: where it comes from, its category, whether it is critical. */
export interface DecisionScope {
  readonly orgId: string;
  readonly projectId: string | null;
  readonly category: SettingType | null;
  readonly critical: boolean;
  readonly now: number;
}

/** The decisions of a few people, their settings and options read once. */
export interface Decider {
  /** The decision for one person × channel; a person not read is decided on the defaults. */
  decide(query: DecisionQuery): PersonDecision;
  /** The personal channels the person named to fall back to, in order; none when they named none. */
  fallbackOf(userId: string): readonly FallbackChannel[];
}

/**
 * The preferences stage as the pipeline calls it: for each person × channel of one notification, the
 * effective setting of its category there (project > organization > user > team, with defaults), then
 * snooze and quiet hours. System types (no category) skip the setting but not snooze or quiet hours.
 * Fan-out decides before it writes; what was held (digests, quiet hours) is decided again when it is
 * sent, in the transaction that sends it (`trx`), with the settings as they are then.
 */
export function preferenceDecisions(db: Kysely<Database>) {
  const settings = settingsStore(db);
  const people = recipientStore(db);

  /** Reads the settings and options of `userIds` once; each question is then answered without a read. */
  async function decider(
    input: DecisionScope & { readonly userIds: readonly string[] },
    trx?: Transaction<Database>,
  ): Promise<Decider> {
    const ids = [...new Set(input.userIds)];
    // On SQLite a transaction holds the only connection: reads inside one must go through it.
    const teams = await (trx ? recipientStore(trx) : people).teamsOf(input.orgId, ids);
    const rows: SettingRow[] =
      input.category && ids.length > 0
        ? await (trx ? settingsStore(trx) : settings).rowsOf(
            { userIds: ids, teamIds: [...new Set([...teams.values()].flat())] },
            input.category,
          )
        : [];
    const options = await loadDeliveryOptions(trx ?? db, ids);
    return {
      decide(q) {
        const teamIds = teams.get(q.userId) ?? [];
        const own = rows.filter((r) =>
          r.ownerType === 'user' ? r.ownerId === q.userId : teamIds.includes(r.ownerId),
        );
        const value = input.category
          ? resolveSetting(own, {
              userId: q.userId,
              teamIds,
              orgId: input.orgId,
              projectId: input.projectId,
              type: input.category,
              channel: q.channel,
            }).value
          : 'always';
        const person = options.get(q.userId);
        const decision = decideDelivery({
          value,
          critical: input.critical,
          subscribed: q.subscribed ?? false,
          committed: q.committed ?? false,
          quietWindows: person?.quietWindows ?? [],
          timeZone: person?.timezone ?? 'UTC',
          snoozedUntil: person?.snoozedUntil ?? null,
          now: input.now,
        });
        return { decision, emailDigests: person?.emailDigests ?? true };
      },
      fallbackOf: (userId) => options.get(userId)?.fallback ?? [],
    };
  }

  return {
    decider,
    /** Each query's decision, in order, from one read of the people they name. */
    async decide(
      input: DecisionScope & { readonly queries: readonly DecisionQuery[] },
      trx?: Transaction<Database>,
    ): Promise<PersonDecision[]> {
      if (input.queries.length === 0) return [];
      const decide = await decider({ ...input, userIds: input.queries.map((q) => q.userId) }, trx);
      return input.queries.map((q) => decide.decide(q));
    },
  };
}

/** The preferences stage's decisions. */
export type PreferenceDecisions = ReturnType<typeof preferenceDecisions>;
