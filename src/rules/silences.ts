import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { ttlCache } from '../delivery/ttl-cache.js';
import { ConflictError, type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import type { HeraldEvent } from '../events/event.js';
import { uuidV7Hex } from '../ids.js';
import type { Database, SilenceTable } from '../store/schema.js';
import { iso, type Principal } from '../tenancy/context.js';
import { muteCounts } from './mute-counts.js';
import {
  allMatch,
  type CompiledMatcher,
  compileMatcher,
  eventValues,
  matchersText,
  type SilenceMatcher,
  storedMatchers,
} from './silence-matchers.js';

/** A silence's states, Alertmanager's: before `startsAt`, until `endsAt`, after. */
export const SILENCE_STATES = ['pending', 'active', 'expired'] as const;
/** One of {@link SILENCE_STATES}. */
export type SilenceState = (typeof SILENCE_STATES)[number];

/** Longest comment. */
export const MAX_COMMENT = 1000;
/** Longest `createdBy`. */
export const MAX_CREATED_BY = 200;
/** How far ahead a silence may end. */
export const MAX_SILENCE_DAYS = 365;
/** Silences a project may have pending or active at once: every event of it is held against them all. */
export const MAX_LIVE_SILENCES = 1000;
/**
 * How long the pipeline reuses a project's silences. A change through this process is seen at once (the
 * write forgets them); one made through another process of a cluster (an API process, while workers
 * evaluate) is seen within this time.
 */
export const SILENCE_TTL_MS = 2_000;
/**
 * Silences that ended this long ago are still read for the pipeline: an event is judged at its arrival,
 * and an evaluation that lags behind may be judging one that arrived before a silence ended.
 */
const ARRIVAL_LAG_MS = 3_600_000;
const DAY = 86_400_000;

/** A silence as the API shows it. */
export interface Silence {
  readonly id: string;
  readonly matchers: SilenceMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { readonly state: SilenceState };
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Events it kept from the alert rules (written within a second or so of their evaluation). */
  readonly mutedEvents: number;
  /** When it last muted one; null until it has. */
  readonly lastMutedAt: string | null;
}

/** A silence as it is asked for; `startsAt` absent (or past) means now. */
export interface SilenceInput {
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt?: string | null | undefined;
  readonly endsAt: string;
  readonly comment: string;
  /** Absent: the caller's name. */
  readonly createdBy?: string | null | undefined;
}

/** The project a silence belongs to. */
export interface SilenceScope {
  readonly orgId: string;
  readonly projectId: string;
}

/** What the silence service needs. */
export interface SilenceDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** How long the pipeline reuses a project's silences; default {@link SILENCE_TTL_MS}. */
  readonly ttlMs?: number;
  /** Told of a write of mute counts that failed. */
  readonly logger?: Logger;
}

/** A silence as the pipeline holds it, matchers compiled. */
interface LiveSilence {
  readonly id: string;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly matchers: readonly CompiledMatcher[];
}

const NONE: readonly string[] = [];

/** Alertmanager's state of a silence at `now`: active from `startsAt` (inclusive) until `endsAt`. */
export function silenceState(row: Pick<SilenceTable, 'starts_at' | 'ends_at'>, now: number): SilenceState {
  if (now < row.starts_at) return 'pending';
  return now < row.ends_at ? 'active' : 'expired';
}

/** A new silence id: a UUIDv7 (Alertmanager's ids are UUIDs, which amtool shows and takes back). */
function silenceId(now: number): string {
  const hex = uuidV7Hex(now);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The API view of a row at `now`. */
function toSilence(row: SilenceTable, now: number): Silence {
  return {
    id: row.id,
    matchers: storedMatchers(row.matchers),
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    createdBy: row.created_by,
    comment: row.comment,
    status: { state: silenceState(row, now) },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    mutedEvents: row.muted_events,
    lastMutedAt: row.last_muted_at === null ? null : iso(row.last_muted_at),
  };
}

/**
 * A project's silences (Alertmanager's): matchers over an event's tags and a time window. While one is
 * active, the events it matches fire no alert rule; they are still stored and grouped. The pipeline
 * reads a project's silences through a cache that this service's writes forget, and counts what each
 * one muted in memory (see muteCounts).
 */
export function silences(deps: SilenceDeps) {
  const { db, clock } = deps;
  const live = ttlCache<readonly LiveSilence[]>(deps.ttlMs ?? SILENCE_TTL_MS, 10_000);
  const muted = muteCounts({ db, clock, logger: deps.logger, table: 'silences' });

  async function loadLive(projectId: string): Promise<readonly LiveSilence[]> {
    const rows = await db
      .selectFrom('silences')
      .select(['id', 'matchers', 'starts_at', 'ends_at'])
      .where('project_id', '=', projectId)
      .where('ends_at', '>', clock.now() - ARRIVAL_LAG_MS)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      matchers: storedMatchers(row.matchers).map(compileMatcher),
    }));
  }

  async function row(projectId: string, id: string, trx: Kysely<Database> = db): Promise<SilenceTable> {
    const found = await trx
      .selectFrom('silences')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('Silence');
    return found;
  }

  /** The window asked for, checked at `now`: 400 naming the field when it is not one. */
  function windowOf(
    input: SilenceInput,
    now: number,
    defaultStart: number,
  ): { starts: number; ends: number } {
    const asked = input.startsAt ? Date.parse(input.startsAt) : defaultStart;
    const ends = Date.parse(input.endsAt);
    const problems: FieldProblem[] = [];
    if (!(ends > asked)) problems.push({ path: 'endsAt', message: 'must be after startsAt' });
    else if (!(ends > now)) problems.push({ path: 'endsAt', message: 'must be in the future' });
    else if (ends > now + MAX_SILENCE_DAYS * DAY)
      problems.push({ path: 'endsAt', message: `must be at most ${MAX_SILENCE_DAYS} days from now` });
    if (problems.length > 0) throw new ValidationError(problems);
    return { starts: asked, ends };
  }

  /** Inserts a new silence in `trx`; a start in the past becomes now, as Alertmanager does. */
  async function insert(
    trx: Transaction<Database>,
    scope: SilenceScope,
    input: SilenceInput,
    author: string,
    now: number,
  ): Promise<SilenceTable> {
    const { starts, ends } = windowOf(input, now, now);
    const { n } = await trx
      .selectFrom('silences')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('project_id', '=', scope.projectId)
      .where('ends_at', '>', now)
      .executeTakeFirstOrThrow();
    if (Number(n) >= MAX_LIVE_SILENCES)
      throw new ConflictError(
        `The project has ${MAX_LIVE_SILENCES} silences pending or active: expire some before adding more`,
      );
    const row: SilenceTable = {
      id: silenceId(now),
      org_id: scope.orgId,
      project_id: scope.projectId,
      matchers: matchersText(input.matchers),
      starts_at: Math.max(starts, now),
      ends_at: ends,
      created_by: input.createdBy || author,
      comment: input.comment,
      created_at: now,
      updated_at: now,
      muted_events: 0,
      last_muted_at: null,
    };
    await trx.insertInto('silences').values(row).execute();
    return row;
  }

  /** Ends a silence at `now`: a pending one never starts (its start becomes now too); an ended one stays. */
  async function expireRow(trx: Kysely<Database>, found: SilenceTable, now: number): Promise<void> {
    const state = silenceState(found, now);
    if (state === 'expired') return;
    await trx
      .updateTable('silences')
      .set({ ends_at: now, updated_at: now, ...(state === 'pending' ? { starts_at: now } : {}) })
      .where('id', '=', found.id)
      .execute();
  }

  return {
    /** Creates a silence; `author` is its `createdBy` unless the input names one. */
    async create(scope: SilenceScope, input: SilenceInput, author: string): Promise<Silence> {
      const now = clock.now();
      const created = await db.transaction().execute((trx) => insert(trx, scope, input, author, now));
      live.delete(scope.projectId);
      return toSilence(created, now);
    },

    /**
     * Alertmanager's update of silence `id`: changed in place when its matchers are the same and it
     * stays what it is (an active one keeps its start and ends in the future, a pending one starts in
     * the future); otherwise it is expired and a new silence takes its place. Answers the id in force.
     */
    async replace(scope: SilenceScope, id: string, input: SilenceInput, author: string): Promise<string> {
      const now = clock.now();
      const inForce = await db.transaction().execute(async (trx) => {
        const previous = await row(scope.projectId, id, trx);
        const state = silenceState(previous, now);
        const sameMatchers = matchersText(input.matchers) === previous.matchers;
        const keepStart = state === 'active' || state === 'pending' ? previous.starts_at : now;
        const { starts, ends } = windowOf(input, now, keepStart);
        const inPlace =
          sameMatchers &&
          ((state === 'active' && starts === previous.starts_at) || (state === 'pending' && starts >= now));
        if (inPlace) {
          await trx
            .updateTable('silences')
            .set({
              starts_at: starts,
              ends_at: ends,
              comment: input.comment,
              created_by: input.createdBy || author,
              updated_at: now,
            })
            .where('id', '=', previous.id)
            .execute();
          return previous.id;
        }
        await expireRow(trx, previous, now);
        return (await insert(trx, scope, input, author, now)).id;
      });
      live.delete(scope.projectId);
      return inForce;
    },

    /** One silence of the project; 404 when it has none with this id. */
    async get(projectId: string, id: string): Promise<Silence> {
      return toSilence(await row(projectId, id), clock.now());
    },

    /** The project's silences, newest first, of one state when asked. */
    async list(
      projectId: string,
      filter: { state?: SilenceState | undefined },
      page: { cursor?: string | undefined; limit: number },
    ): Promise<{ data: Silence[]; nextCursor: string | null }> {
      const now = clock.now();
      let query = db.selectFrom('silences').selectAll().where('project_id', '=', projectId);
      if (filter.state === 'pending') query = query.where('starts_at', '>', now);
      if (filter.state === 'active') query = query.where('starts_at', '<=', now).where('ends_at', '>', now);
      if (filter.state === 'expired') query = query.where('ends_at', '<=', now);
      if (page.cursor) query = query.where('id', '<', page.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .execute();
      const data = rows.slice(0, page.limit).map((r) => toSilence(r, now));
      return { data, nextCursor: rows.length > page.limit ? (data.at(-1)?.id ?? null) : null };
    },

    /**
     * The project's silences as Alertmanager lists them: active ones first (ending soonest first), then
     * pending (starting soonest first), then expired (latest first), those that ended within
     * `expiredForMs` only, as Alertmanager forgets them after its retention.
     */
    async listAll(projectId: string, expiredForMs: number): Promise<Silence[]> {
      const now = clock.now();
      const rows = await db
        .selectFrom('silences')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('ends_at', '>', now - expiredForMs)
        .execute();
      const rank: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };
      const key = (r: SilenceTable, state: SilenceState) =>
        state === 'active' ? r.ends_at : state === 'pending' ? r.starts_at : -r.ends_at;
      return rows
        .map((r) => ({ r, state: silenceState(r, now) }))
        .sort((a, b) => rank[a.state] - rank[b.state] || key(a.r, a.state) - key(b.r, b.state))
        .map(({ r }) => toSilence(r, now));
    },

    /** Expires a silence now (it stays listed, as expired); 404 when the project has none with this id. */
    async expire(projectId: string, id: string): Promise<Silence> {
      const now = clock.now();
      const found = await row(projectId, id);
      await expireRow(db, found, now);
      live.delete(projectId);
      return toSilence(await row(projectId, id), now);
    },

    /**
     * Ids of the project's silences active at `at` that match the event; none for a project without
     * silences, which is answered from the cache without a read.
     */
    async matching(projectId: string, event: HeraldEvent, at: number): Promise<readonly string[]> {
      const list = await live.get(projectId, () => loadLive(projectId));
      if (list.length === 0) return NONE;
      const tagValue = eventValues(event);
      const found = list.filter((s) => s.startsAt <= at && at < s.endsAt && allMatch(s.matchers, tagValue));
      return found.length === 0 ? NONE : found.map((s) => s.id);
    },

    /**
     * The silences that keep an issue's alerts quiet now: the active ones its latest event matches (the
     * issue page's answer to "why was nobody told?").
     */
    async silencing(projectId: string, latest: HeraldEvent): Promise<Silence[]> {
      const now = clock.now();
      const ids = await this.matching(projectId, latest, now);
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom('silences')
        .selectAll()
        .where('id', 'in', [...ids])
        .orderBy('ends_at')
        .execute();
      return rows.map((row) => toSilence(row, now));
    },

    /**
     * Counts one event muted by each of these silences (all that matched it), now; the counts reach the
     * API within a second (see muteCounts), or at {@link flushMuted}.
     */
    countMuted: muted.count,

    /** Writes the mute counts taken so far (the engine's stop does, so a clean stop loses none). */
    flushMuted: muted.flush,

    /** Who the caller is, for `createdBy`: a person's name (else email), an API key's name, or "admin". */
    async authorOf(principal: Principal): Promise<string> {
      if (principal.kind === 'admin') return 'admin';
      if (principal.kind === 'org') {
        const key = await db
          .selectFrom('api_keys')
          .select('name')
          .where('id', '=', principal.keyId)
          .executeTakeFirst();
        return (key?.name || 'API key').slice(0, MAX_CREATED_BY);
      }
      const user = await db
        .selectFrom('users')
        .select(['name', 'email'])
        .where('id', '=', principal.userId)
        .executeTakeFirst();
      return (user?.name || user?.email || principal.userId).slice(0, MAX_CREATED_BY);
    },
  };
}

/** The silence service. */
export type Silences = ReturnType<typeof silences>;
