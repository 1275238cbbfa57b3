import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import { preparedRows } from '../store/prepared-rows.js';
import type { Database, RuleSnoozeTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';

/** Whom a snooze mutes, as the API takes it: the calling (or named) user, or everyone. */
export const SNOOZE_TARGETS = ['me', 'everyone'] as const;
/** One of {@link SNOOZE_TARGETS}. */
export type SnoozeTarget = (typeof SNOOZE_TARGETS)[number];

/** The `target` column's value for a snooze that mutes everyone. */
const EVERYONE = '*';

/** A snooze as the API shows it: `userId` is set for a one-person snooze, null for everyone. */
export interface RuleSnooze {
  readonly target: 'everyone' | 'user';
  readonly userId: string | null;
  /** ISO time it ends, or null for forever. */
  readonly until: string | null;
  readonly createdAt: string;
}

/** Who a rule is muted for right now; the evaluator drops the rule or the listed recipients. */
export interface SnoozeState {
  readonly everyone: boolean;
  readonly users: Set<string>;
}

/** A snooze request: `userId` names the person for `me` when the caller is not a user (admin, API key). */
export interface SnoozeInput {
  readonly target: SnoozeTarget;
  /** ISO time, or null (or absent) for forever. */
  readonly until?: string | null | undefined;
  readonly userId?: string | undefined;
}

/** What the snooze service needs. */
export interface RuleSnoozeDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
}

/** Snoozes of the given rules that still apply at `now`: an expired one stops applying by itself. */
export async function activeSnoozeRows(
  db: Kysely<Database>,
  ruleIds: readonly string[],
  now: number,
): Promise<RuleSnoozeTable[]> {
  return activeSnoozes(
    db,
    ruleIds.map((rule_id) => ({ rule_id, now })),
  );
}

/** Whether a snooze still applies at `now`: one without an end, or one that ends later. */
export function snoozeApplies(now: number) {
  return (eb: ExpressionBuilder<Database, 'rule_snoozes'>) =>
    eb.or([eb('until', 'is', null), eb('until', '>', now)]);
}

// Every evaluation asks: compiled once per rule count. `now` is the first row's (the same on every row).
const activeSnoozes = preparedRows<{ rule_id: string; now: number }, RuleSnoozeTable>(
  ['rule_id', 'now'],
  (rows, db) =>
    db
      .selectFrom('rule_snoozes')
      .selectAll()
      .where(
        'rule_id',
        'in',
        rows.map((row) => row.rule_id),
      )
      .where(snoozeApplies(rows[0]!.now))
      .orderBy('created_at')
      .orderBy('target'),
);

/** Who each rule is muted for, from its active snoozes; every rule of `ruleIds` has an entry. */
export function snoozeStateOf(
  ruleIds: readonly string[],
  active: readonly Pick<RuleSnoozeTable, 'rule_id' | 'target'>[],
): Map<string, SnoozeState> {
  const state = new Map<string, SnoozeState>(
    ruleIds.map((id) => [id, { everyone: false, users: new Set<string>() }]),
  );
  for (const row of active) {
    const entry = state.get(row.rule_id);
    if (entry === undefined) continue;
    if (row.target === EVERYONE) state.set(row.rule_id, { ...entry, everyone: true });
    else entry.users.add(row.target);
  }
  return state;
}

/** The API view of a snooze row. */
export function toRuleSnooze(row: RuleSnoozeTable): RuleSnooze {
  const everyone = row.target === EVERYONE;
  return {
    target: everyone ? 'everyone' : 'user',
    userId: everyone ? null : row.target,
    until: iso(row.until),
    createdAt: iso(row.created_at),
  };
}

/** Muting rules for one person or for everyone, until a time or forever. */
export function ruleSnoozes(deps: RuleSnoozeDeps) {
  const { db, clock } = deps;

  async function requireRule(orgId: string, projectId: string, ruleId: string): Promise<void> {
    const found = await db
      .selectFrom('rules')
      .select('id')
      .where('org_id', '=', orgId)
      .where('project_id', '=', projectId)
      .where('id', '=', ruleId)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('Rule');
  }

  /** The `target` column for a request; `caller` is the calling user, when the credential has one. */
  async function resolveTarget(
    orgId: string,
    target: SnoozeTarget,
    userId: string | undefined,
    caller: string | null,
    problems: FieldProblem[],
  ): Promise<string | null> {
    if (target === 'everyone') return EVERYONE;
    const person = userId ?? caller;
    if (person === null) {
      problems.push({ path: 'target', message: '"me" needs a calling user: name one in userId' });
      return null;
    }
    const member = await db
      .selectFrom('members')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('user_id', '=', person)
      .executeTakeFirst();
    if (member) return person;
    problems.push({ path: 'userId', message: `${person} is not a member of this organization` });
    return null;
  }

  return {
    /** Snoozes a rule; a second snooze for the same target replaces the first. */
    async snooze(
      orgId: string,
      projectId: string,
      ruleId: string,
      input: SnoozeInput,
      caller: string | null = null,
    ): Promise<RuleSnooze> {
      await requireRule(orgId, projectId, ruleId);
      const now = clock.now();
      const problems: FieldProblem[] = [];
      const until = input.until == null ? null : Date.parse(input.until);
      if (until !== null && !(until > now))
        problems.push({ path: 'until', message: 'must be in the future' });
      const target = await resolveTarget(orgId, input.target, input.userId, caller, problems);
      if (target === null || problems.length > 0) throw new ValidationError(problems);
      const row: RuleSnoozeTable = { rule_id: ruleId, target, until, created_by: caller, created_at: now };
      await db
        .insertInto('rule_snoozes')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['rule_id', 'target']).doUpdateSet({ until, created_by: caller, created_at: now }),
        )
        .execute();
      return toRuleSnooze(row);
    },

    /** Lifts a snooze; 404 when the rule has none for that target. */
    async unsnooze(
      orgId: string,
      projectId: string,
      ruleId: string,
      input: Omit<SnoozeInput, 'until'>,
      caller: string | null = null,
    ): Promise<void> {
      await requireRule(orgId, projectId, ruleId);
      const problems: FieldProblem[] = [];
      const target = await resolveTarget(orgId, input.target, input.userId, caller, problems);
      if (target === null) throw new ValidationError(problems);
      const result = await db
        .deleteFrom('rule_snoozes')
        .where('rule_id', '=', ruleId)
        .where('target', '=', target)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Snooze');
    },

    /** Active snoozes per rule, for showing rules; rules without one are absent. */
    async activeFor(ruleIds: readonly string[], now = clock.now()): Promise<Map<string, RuleSnooze[]>> {
      const map = new Map<string, RuleSnooze[]>();
      for (const row of await activeSnoozeRows(db, ruleIds, now)) {
        map.set(row.rule_id, [...(map.get(row.rule_id) ?? []), toRuleSnooze(row)]);
      }
      return map;
    },

    /** Who each rule is muted for at `now`; every requested rule has an entry. */
    async snoozeState(ruleIds: readonly string[], now: number): Promise<Map<string, SnoozeState>> {
      return snoozeStateOf(ruleIds, await activeSnoozeRows(db, ruleIds, now));
    },
  };
}

/** The rule-snooze service. */
export type RuleSnoozes = ReturnType<typeof ruleSnoozes>;
