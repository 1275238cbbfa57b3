import type { Kysely, Transaction } from 'kysely';
import { type ChannelKind, isChannelKind } from '../delivery/channel.js';
import {
  isOwnerType,
  isScopeType,
  isSettingType,
  isSettingValue,
  isValueAllowed,
  type SettingKey,
  type SettingRow,
  type SettingType,
} from '../preferences/setting-schema.js';
import type { Database, NotificationSettingTable } from '../store/schema.js';

// The key column cannot hold NULL (a NULL never equals another in a unique key on either database).
const WHOLE_TYPE = '*';

/** Who owns setting rows: users and teams, by id. */
export interface SettingOwners {
  readonly userIds: readonly string[];
  readonly teamIds: readonly string[];
}

/** Reads and writes notification setting rows; the one place that knows their columns. */
export function settingsStore(db: Kysely<Database>) {
  return {
    /** Every row of these owners, optionally of one category. Rows that break the model are skipped. */
    async rowsOf(owners: SettingOwners, type?: SettingType): Promise<SettingRow[]> {
      if (owners.userIds.length === 0 && owners.teamIds.length === 0) return [];
      let query = db
        .selectFrom('notification_settings')
        .selectAll()
        .where((eb) => {
          const parts = [];
          if (owners.userIds.length > 0) {
            parts.push(
              eb.and([eb('owner_type', '=', 'user'), eb('owner_id', 'in', [...new Set(owners.userIds)])]),
            );
          }
          if (owners.teamIds.length > 0) {
            parts.push(
              eb.and([eb('owner_type', '=', 'team'), eb('owner_id', 'in', [...new Set(owners.teamIds)])]),
            );
          }
          return eb.or(parts);
        });
      if (type !== undefined) query = query.where('type', '=', type);
      const rows = await query
        .orderBy('owner_type')
        .orderBy('owner_id')
        .orderBy('type')
        .orderBy('scope_type')
        .orderBy('scope_id')
        .orderBy('channel')
        .execute();
      return rows.flatMap((r) => {
        const row = toSettingRow(r);
        return row ? [row] : [];
      });
    },

    /** Writes and removes rows inside the caller's transaction. */
    async apply(
      trx: Transaction<Database> | Kysely<Database>,
      changes: { readonly upserts: readonly SettingRow[]; readonly deletes: readonly SettingKey[] },
      now: number,
    ): Promise<void> {
      for (const key of changes.deletes) {
        const k = toColumns(key);
        await trx
          .deleteFrom('notification_settings')
          .where('owner_type', '=', k.owner_type)
          .where('owner_id', '=', k.owner_id)
          .where('type', '=', k.type)
          .where('channel', '=', k.channel)
          .where('scope_type', '=', k.scope_type)
          .where('scope_id', '=', k.scope_id)
          .execute();
      }
      for (const row of changes.upserts) {
        await trx
          .insertInto('notification_settings')
          .values({ ...toColumns(row), value: row.value, updated_at: now })
          .onConflict((oc) =>
            oc
              .columns(['owner_type', 'owner_id', 'type', 'channel', 'scope_type', 'scope_id'])
              .doUpdateSet({ value: row.value, updated_at: now }),
          )
          .execute();
      }
    },
  };
}

/** The settings rows store. */
export type SettingsStore = ReturnType<typeof settingsStore>;

function toColumns(key: SettingKey) {
  return {
    owner_type: key.ownerType,
    owner_id: key.ownerId,
    type: key.type,
    channel: key.channel ?? WHOLE_TYPE,
    scope_type: key.scopeType,
    scope_id: key.scopeId,
  };
}

function toSettingRow(r: NotificationSettingTable): SettingRow | null {
  const channel: ChannelKind | null | undefined =
    r.channel === WHOLE_TYPE ? null : isChannelKind(r.channel) ? r.channel : undefined;
  if (
    channel === undefined ||
    !isOwnerType(r.owner_type) ||
    !isSettingType(r.type) ||
    !isScopeType(r.scope_type) ||
    !isSettingValue(r.value) ||
    !isValueAllowed(r.type, r.value)
  )
    return null;
  return {
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    type: r.type,
    channel,
    scopeType: r.scope_type,
    scopeId: r.scope_id,
    value: r.value,
  };
}
