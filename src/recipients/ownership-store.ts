import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { FieldProblem } from '../errors.js';
import type { Database } from '../store/schema.js';
import { validationError } from '../validation.js';
import {
  formatOwnershipText,
  isMatcherType,
  isSkipped,
  type OwnerName,
  type OwnershipRule,
  parseOwnershipList,
  parseOwnershipText,
} from './ownership.js';

/** An owner resolved to what it names: a user or a team, by id. */
export interface OwnerId {
  readonly type: 'user' | 'team';
  readonly id: string;
}

/** The ownership of a project as the API shows it: the text form and the rules with their owners. */
export interface OwnershipView {
  readonly raw: string;
  readonly rules: OwnershipRule<OwnerName & { id: string }>[];
}

/**
 * Ownership rules of projects. Owners are stored by id, so renaming a team or changing an email keeps
 * them; an owner who left the organization is dropped when read.
 */
export function ownershipStore(deps: { readonly db: Kysely<Database>; readonly clock: Clock }) {
  const { db, clock } = deps;

  async function stored(projectId: string): Promise<OwnershipRule<OwnerId>[]> {
    const rows = await db
      .selectFrom('ownership_rules')
      .selectAll()
      .where('project_id', '=', projectId)
      .orderBy('position')
      .execute();
    return rows.flatMap((row) => {
      if (!isMatcherType(row.matcher_type)) return [];
      const owners = parseOwners(row.owners);
      return [{ matcher: { type: row.matcher_type, pattern: row.pattern }, owners }];
    });
  }

  return {
    /** The rules of a project with owner ids, as recipients resolution reads them. */
    rulesOf: stored,

    /** The rules of a project with owners named (email, team slug) and their ids. */
    async get(orgId: string, projectId: string): Promise<OwnershipView> {
      const rules = await stored(projectId);
      const ids = (type: 'user' | 'team') => [
        ...new Set(rules.flatMap((r) => r.owners.filter((o) => o.type === type).map((o) => o.id))),
      ];
      const users = await namesOf(db, orgId, 'user', ids('user'));
      const teams = await namesOf(db, orgId, 'team', ids('team'));
      const named = rules.map((rule) => ({
        matcher: rule.matcher,
        owners: rule.owners.flatMap((o) => {
          const identifier = (o.type === 'user' ? users : teams).get(o.id);
          return identifier === undefined ? [] : [{ type: o.type, identifier, id: o.id }];
        }),
      }));
      const sent = await db
        .selectFrom('ownership_texts')
        .select('raw')
        .where('project_id', '=', projectId)
        .executeTakeFirst();
      return { raw: formatOwnershipText(named, sent?.raw), rules: named };
    },

    /** Replaces a project's rules with the text or JSON form; an unknown owner is a 400 naming its line. */
    async put(orgId: string, projectId: string, input: unknown): Promise<OwnershipView> {
      const parsed =
        typeof input === 'string'
          ? parseOwnershipText(input)
          : Array.isArray(input)
            ? parseOwnershipList(input)
            : parseRawObject(input);
      if (!parsed.ok) throw validationError(parsed.problems);
      // The text form, given as it is or as `{raw}`: its problems are named by line.
      const text = typeof input === 'string' ? input : rawOf(input);
      const emails = [
        ...new Set(
          parsed.rules.flatMap((r) => r.owners.filter((o) => o.type === 'user').map((o) => o.identifier)),
        ),
      ];
      const slugs = [
        ...new Set(
          parsed.rules.flatMap((r) => r.owners.filter((o) => o.type === 'team').map((o) => o.identifier)),
        ),
      ];
      const userIds = await idsOf(db, orgId, 'user', emails);
      const teamIds = await idsOf(db, orgId, 'team', slugs);
      const problems: FieldProblem[] = [];
      const resolved = parsed.rules.map((rule, i) => ({
        matcher: rule.matcher,
        owners: rule.owners.flatMap((o): OwnerId[] => {
          const id = (o.type === 'user' ? userIds : teamIds).get(o.identifier);
          if (id !== undefined) return [{ type: o.type, id }];
          const where = text === undefined ? `rules.${i}` : lineOf(text, i);
          problems.push({
            path: where,
            message:
              o.type === 'user'
                ? `${o.identifier} is not a member of this organization`
                : `#${o.identifier} is not a team of this organization`,
          });
          return [];
        }),
      }));
      if (problems.length > 0) throw validationError(problems);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('ownership_rules').where('project_id', '=', projectId).execute();
        // The text as sent, for its comments; rules sent as a list have none.
        await trx.deleteFrom('ownership_texts').where('project_id', '=', projectId).execute();
        if (text !== undefined)
          await trx
            .insertInto('ownership_texts')
            .values({ project_id: projectId, raw: text, updated_at: now })
            .execute();
        if (resolved.length === 0) return;
        await trx
          .insertInto('ownership_rules')
          .values(
            resolved.map((rule, position) => ({
              project_id: projectId,
              position,
              matcher_type: rule.matcher.type,
              pattern: rule.matcher.pattern,
              owners: JSON.stringify(rule.owners),
              updated_at: now,
            })),
          )
          .execute();
      });
      return this.get(orgId, projectId);
    },
  };
}

/** The ownership rules store. */
export type OwnershipStore = ReturnType<typeof ownershipStore>;

/** The text of a `{raw: "…"}` body, if it is one. */
function rawOf(input: unknown): string | undefined {
  const raw = (input as { raw?: unknown } | null)?.raw;
  return typeof raw === 'string' ? raw : undefined;
}

function parseRawObject(input: unknown) {
  const raw = rawOf(input);
  if (raw !== undefined) return parseOwnershipText(raw);
  return {
    ok: false as const,
    problems: [{ path: '', message: 'Send the rules as text, as a JSON list, or as { "raw": "…" }' }],
  };
}

/** The path naming the line of the `index`-th rule of a text body (comments and blanks are skipped). */
function lineOf(text: string, index: number): string {
  let seen = -1;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (isSkipped(lines[i] ?? '')) continue;
    seen += 1;
    if (seen === index) return `line.${i + 1}`;
  }
  return `rules.${index}`;
}

function parseOwners(text: string): OwnerId[] {
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value)) return [];
    return value.filter(
      (o): o is OwnerId =>
        typeof o === 'object' &&
        o !== null &&
        (o.type === 'user' || o.type === 'team') &&
        typeof o.id === 'string',
    );
  } catch {
    return [];
  }
}

async function idsOf(
  db: Kysely<Database>,
  orgId: string,
  type: 'user' | 'team',
  names: readonly string[],
): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  if (type === 'team') {
    const rows = await db
      .selectFrom('teams')
      .select(['id', 'slug'])
      .where('org_id', '=', orgId)
      .where('slug', 'in', [...names])
      .execute();
    return new Map(rows.map((r) => [r.slug, r.id]));
  }
  const rows = await db
    .selectFrom('members')
    .innerJoin('users', 'users.id', 'members.user_id')
    .select(['users.id', 'users.email'])
    .where('members.org_id', '=', orgId)
    .where('users.email', 'in', [...names])
    .execute();
  return new Map(rows.map((r) => [r.email, r.id]));
}

async function namesOf(
  db: Kysely<Database>,
  orgId: string,
  type: 'user' | 'team',
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  if (type === 'team') {
    const rows = await db
      .selectFrom('teams')
      .select(['id', 'slug'])
      .where('org_id', '=', orgId)
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((r) => [r.id, r.slug]));
  }
  const rows = await db
    .selectFrom('members')
    .innerJoin('users', 'users.id', 'members.user_id')
    .select(['users.id', 'users.email'])
    .where('members.org_id', '=', orgId)
    .where('users.id', 'in', [...ids])
    .execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}
