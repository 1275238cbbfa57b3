import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { parseJsonObject } from '../store/json.js';
import type { Database } from '../store/schema.js';

/** Whether an organization's messages carry an open pixel and tracked links. Both default to on. */
export interface TrackingSettings {
  readonly opens: boolean;
  readonly clicks: boolean;
}

const DEFAULTS: TrackingSettings = { opens: true, clicks: true };
// Read on every tracked send: a few seconds of staleness (other processes) spares a query per message.
const CACHE_MS = 5_000;

function fromOptions(options: Record<string, unknown>): TrackingSettings {
  const raw = options.tracking;
  if (typeof raw !== 'object' || raw === null) return DEFAULTS;
  const t = raw as Record<string, unknown>;
  return {
    opens: typeof t.opens === 'boolean' ? t.opens : DEFAULTS.opens,
    clicks: typeof t.clicks === 'boolean' ? t.clicks : DEFAULTS.clicks,
  };
}

/** Reads and changes the `tracking` entry of an organization's options. */
export function trackingSettings(deps: { readonly db: Kysely<Database>; readonly clock: Clock }) {
  const { db, clock } = deps;
  const cache = new Map<string, { value: TrackingSettings; until: number }>();

  async function options(orgId: string): Promise<Record<string, unknown> | null> {
    const row = await db
      .selectFrom('organizations')
      .select('options')
      .where('id', '=', orgId)
      .executeTakeFirst();
    return row ? parseJsonObject(row.options) : null;
  }

  return {
    /** The organization's settings (the defaults for an unknown one). */
    async get(orgId: string): Promise<TrackingSettings> {
      const now = clock.now();
      const cached = cache.get(orgId);
      if (cached && cached.until > now) return cached.value;
      const value = fromOptions((await options(orgId)) ?? {});
      if (cache.size > 10_000) cache.clear();
      cache.set(orgId, { value, until: now + CACHE_MS });
      return value;
    },

    /** Changes the given fields and keeps every other option of the organization. */
    async update(orgId: string, patch: Partial<TrackingSettings>): Promise<TrackingSettings> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('organizations')
          .select('options')
          .where('id', '=', orgId)
          .executeTakeFirstOrThrow();
        const current = parseJsonObject(row.options);
        const next = { ...fromOptions(current), ...patch };
        await trx
          .updateTable('organizations')
          .set({ options: JSON.stringify({ ...current, tracking: next }), updated_at: clock.now() })
          .where('id', '=', orgId)
          .execute();
        cache.delete(orgId);
        return next;
      });
    },
  };
}

/** The tracking settings service. */
export type TrackingSettingsService = ReturnType<typeof trackingSettings>;
