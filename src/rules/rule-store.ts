import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import type { Database, RuleSnoozeTable, RuleTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';
import { ruleChanges } from './rule-changes.js';
import { type RuleHistory, ruleHistory } from './rule-history.js';
import { checkReferences } from './rule-references.js';
import { type ActionNode, parseRuleBody, type RuleBody, ruleBodySchema } from './rule-schema.js';
import { activeSnoozeRows, type RuleSnooze, toRuleSnooze } from './rule-snoozes.js';

/** A rule as the API shows it: the body of DESIGN.md §5 plus its identity, times and active snoozes. */
export interface Rule extends RuleBody {
  readonly id: string;
  readonly projectId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly snoozes: RuleSnooze[];
}

/** A rule as the evaluator reads it: validated nodes, with where it belongs. */
export interface StoredRule extends RuleBody {
  readonly id: string;
  readonly orgId: string;
  readonly projectId: string;
}

/** A Slack action of a saved rule: where the confirmation goes. */
export type SlackAction = Extract<ActionNode, { id: 'slack' }>;

/** Told after a rule with Slack actions was saved, so each Slack channel can get a confirmation. */
export interface RuleSavedEvent {
  readonly orgId: string;
  readonly projectId: string;
  readonly rule: Rule;
  readonly created: boolean;
  /** Human sentences ("Changed frequency from 30 to 60 minutes"); every part of a new rule. */
  readonly changes: string[];
  readonly slackActions: SlackAction[];
}

/** What the rule store needs; `onRuleSaved` is optional and never fails a save. */
export interface RuleStoreDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onRuleSaved?: (event: RuleSavedEvent) => Promise<void>;
}

/** Alert rules of projects, scoped by organization: another organization's rule is a missing one. */
export function ruleStore(deps: RuleStoreDeps) {
  const { db, clock, logger } = deps;

  async function withSnoozes(rows: readonly RuleTable[]): Promise<Rule[]> {
    const snoozes = await activeSnoozeRows(
      db,
      rows.map((r) => r.id),
      clock.now(),
    );
    return rows.map((row) =>
      toRule(
        row,
        snoozes.filter((s) => s.rule_id === row.id),
      ),
    );
  }

  /** Shape first, then references; throws naming every bad field before anything is written. */
  async function validate(trx: Kysely<Database>, orgId: string, input: unknown) {
    const body = parseRuleBody(input);
    const { problems, names } = await checkReferences(trx, orgId, body);
    if (problems.length > 0) throw new ValidationError(problems);
    return { body, names };
  }

  async function saved(event: Omit<RuleSavedEvent, 'slackActions'>): Promise<void> {
    const slackActions = event.rule.actions.filter((a): a is SlackAction => a.id === 'slack');
    if (deps.onRuleSaved === undefined || slackActions.length === 0) return;
    try {
      await deps.onRuleSaved({ ...event, slackActions });
    } catch (error) {
      logger.error({ err: error, ruleId: event.rule.id }, 'rule-saved confirmation failed');
    }
  }

  return {
    async create(orgId: string, projectId: string, input: unknown): Promise<Rule> {
      const now = clock.now();
      const { row, names } = await db.transaction().execute(async (trx) => {
        const { body, names } = await validate(trx, orgId, input);
        const row: RuleTable = {
          ...toColumns(body),
          id: newId('rule', now),
          org_id: orgId,
          project_id: projectId,
          created_at: now,
          updated_at: now,
        };
        await trx.insertInto('rules').values(row).execute();
        return { row, names };
      });
      const rule = toRule(row, []);
      await saved({ orgId, projectId, rule, created: true, changes: ruleChanges(null, rule, names) });
      return rule;
    },

    async list(orgId: string, projectId: string): Promise<Rule[]> {
      const rows = await db
        .selectFrom('rules')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('project_id', '=', projectId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return withSnoozes(rows);
    },

    async get(orgId: string, projectId: string, id: string): Promise<Rule> {
      const [rule] = await withSnoozes([await findRow(db, orgId, projectId, id)]);
      return rule!;
    },

    /** The issues the rule fired for over the last `days`, and whether it is quiet about each now. */
    async history(orgId: string, projectId: string, id: string, days: number): Promise<RuleHistory> {
      return ruleHistory(db, await findRow(db, orgId, projectId, id), days, clock.now());
    },

    /** Replaces the whole rule (PUT): fields left out take their defaults, as on create. */
    async replace(orgId: string, projectId: string, id: string, input: unknown): Promise<Rule> {
      const now = clock.now();
      const { before, row, names } = await db.transaction().execute(async (trx) => {
        const current = await findRow(trx, orgId, projectId, id);
        const { body, names } = await validate(trx, orgId, input);
        // Strictly increasing, so evaluators that cache compiled rules by it see every edit.
        const updatedAt = Math.max(now, current.updated_at + 1);
        const row: RuleTable = { ...current, ...toColumns(body), updated_at: updatedAt };
        await trx
          .updateTable('rules')
          .set({ ...toColumns(body), updated_at: updatedAt })
          .where('org_id', '=', orgId)
          .where('id', '=', id)
          .execute();
        return { before: toBody(current), row, names };
      });
      const [rule] = await withSnoozes([row]);
      await saved({
        orgId,
        projectId,
        rule: rule!,
        created: false,
        changes: ruleChanges(before, rule!, names),
      });
      return rule!;
    },

    async remove(orgId: string, projectId: string, id: string): Promise<void> {
      const result = await db
        .deleteFrom('rules')
        .where('org_id', '=', orgId)
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Rule');
    },

    /**
     * Every rule of a project, validated again: a stored rule that no longer fits the schema (after an
     * upgrade) is logged and skipped rather than breaking the evaluation of the others.
     */
    async activeRulesForProject(projectId: string): Promise<StoredRule[]> {
      const rows = await db
        .selectFrom('rules')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.flatMap((row): StoredRule[] => {
        const parsed = ruleBodySchema.safeParse(toBody(row));
        if (parsed.success)
          return [{ ...parsed.data, id: row.id, orgId: row.org_id, projectId: row.project_id }];
        logger.error({ ruleId: row.id, issues: parsed.error.issues }, 'stored rule is invalid; skipped');
        return [];
      });
    },
  };
}

/** The rule store. */
export type RuleStore = ReturnType<typeof ruleStore>;

async function findRow(
  db: Kysely<Database>,
  orgId: string,
  projectId: string,
  id: string,
): Promise<RuleTable> {
  const row = await db
    .selectFrom('rules')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Rule');
  return row;
}

function toColumns(body: RuleBody) {
  return {
    name: body.name,
    environment: body.environment,
    action_match: body.actionMatch,
    filter_match: body.filterMatch,
    frequency: body.frequency,
    conditions: JSON.stringify(body.conditions),
    filters: JSON.stringify(body.filters),
    actions: JSON.stringify(body.actions),
  };
}

/** The stored body; it was validated when written, so it is read back as it was saved. */
function toBody(row: RuleTable): RuleBody {
  return {
    name: row.name,
    environment: row.environment,
    actionMatch: row.action_match as RuleBody['actionMatch'],
    filterMatch: row.filter_match as RuleBody['filterMatch'],
    frequency: row.frequency,
    conditions: JSON.parse(row.conditions) as RuleBody['conditions'],
    filters: JSON.parse(row.filters) as RuleBody['filters'],
    actions: JSON.parse(row.actions) as RuleBody['actions'],
  };
}

function toRule(row: RuleTable, snoozes: readonly RuleSnoozeTable[]): Rule {
  return {
    id: row.id,
    projectId: row.project_id,
    ...toBody(row),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    snoozes: snoozes.map(toRuleSnooze),
  };
}
