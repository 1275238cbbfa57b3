import type { Kysely } from 'kysely';
import type { FieldProblem } from '../errors.js';
import type { Database } from '../store/schema.js';
import type { Provider } from '../tenancy/integration-providers.js';
import type { RuleNames } from './rule-labels.js';
import type { ActionNode, RuleBody } from './rule-schema.js';

/** The actions that go through an integration. */
export type IntegrationAction = Extract<ActionNode, { integration: string }>;

/** The provider an integration must have to carry each integration action. */
export const ACTION_PROVIDERS: Readonly<Record<IntegrationAction['id'], Provider>> = {
  slack: 'slack',
  msteams: 'msteams',
  webhook: 'webhook',
  pagerduty: 'pagerduty',
  discord: 'discord',
};

/** What checking a rule's references found: problems by field path, and display names for labels. */
export interface ReferenceCheck {
  readonly problems: FieldProblem[];
  readonly names: RuleNames;
}

interface TargetRef {
  readonly path: string;
  readonly type: 'Team' | 'Member';
  readonly id: string;
}

/** True for an action that goes through an integration. */
export function isIntegrationAction(action: ActionNode): action is IntegrationAction {
  return Object.hasOwn(ACTION_PROVIDERS, action.id);
}

/**
 * Checks every id a rule refers to against the organization: integrations (and that their provider fits
 * the action), members and teams. Another organization's ids fail exactly like unknown ones.
 */
export async function checkReferences(
  db: Kysely<Database>,
  orgId: string,
  rule: RuleBody,
): Promise<ReferenceCheck> {
  const problems: FieldProblem[] = [];
  const names = new Map<string, string>();

  const integrationIds = [...new Set(rule.actions.filter(isIntegrationAction).map((a) => a.integration))];
  const integrations =
    integrationIds.length === 0
      ? []
      : await db
          .selectFrom('integrations')
          .select(['id', 'provider', 'name'])
          .where('org_id', '=', orgId)
          .where('id', 'in', integrationIds)
          .execute();
  const byId = new Map(integrations.map((i) => [i.id, i]));
  rule.actions.forEach((action, i) => {
    if (!isIntegrationAction(action)) return;
    const found = byId.get(action.integration);
    const path = `actions.${i}.integration`;
    const wanted = ACTION_PROVIDERS[action.id];
    if (!found) {
      problems.push({ path, message: `${action.integration} is not an integration of this organization` });
    } else if (found.provider !== wanted) {
      problems.push({
        path,
        message: `is a ${found.provider} integration; "${action.id}" needs a ${wanted} one`,
      });
    } else {
      names.set(found.id, found.name);
    }
  });

  const targets = targetRefs(rule);
  const memberIds = [...new Set(targets.filter((t) => t.type === 'Member').map((t) => t.id))];
  const teamIds = [...new Set(targets.filter((t) => t.type === 'Team').map((t) => t.id))];
  const [members, teams] = await Promise.all([
    memberIds.length === 0
      ? []
      : db
          .selectFrom('members')
          .innerJoin('users', 'users.id', 'members.user_id')
          .select(['users.id as id', 'users.name as name'])
          .where('members.org_id', '=', orgId)
          .where('members.user_id', 'in', memberIds)
          .execute(),
    teamIds.length === 0
      ? []
      : db
          .selectFrom('teams')
          .select(['id', 'name'])
          .where('org_id', '=', orgId)
          .where('id', 'in', teamIds)
          .execute(),
  ]);
  const known = {
    Member: new Map(members.map((m) => [m.id, m.name])),
    Team: new Map(teams.map((t) => [t.id, t.name])),
  };
  const unknown = targets.filter((t) => !known[t.type].has(t.id));
  const byHandle = await idsByHandle(db, orgId, unknown);
  for (const target of targets) {
    const name = known[target.type].get(target.id);
    if (name !== undefined) names.set(target.id, name);
    else {
      const id = byHandle.get(handleKey(target));
      const message =
        id === undefined
          ? `${target.id} is not ${target.type === 'Member' ? 'a member' : 'a team'} of this organization`
          : target.type === 'Member'
            ? `${target.id} is a member's email; rules name members by user id (${id})`
            : `${target.id} is a team's slug; rules name teams by id (${id})`;
      problems.push({ path: target.path, message });
    }
  }
  return { problems, names };
}

/** How an unknown reference may name a member (email, any case) or a team (slug, or `#slug`). */
function handleKey(target: { type: 'Team' | 'Member'; id: string }): string {
  const handle = target.type === 'Team' ? target.id.replace(/^#/, '') : target.id;
  return `${target.type}:${handle.toLowerCase()}`;
}

/**
 * The ids of the organization's members and teams that unknown references name another way, by
 * {@link handleKey}: a rule names them by id, and one given an email or a slug is told which id to use.
 */
async function idsByHandle(
  db: Kysely<Database>,
  orgId: string,
  refs: readonly { type: 'Team' | 'Member'; id: string }[],
): Promise<ReadonlyMap<string, string>> {
  const handles = (type: 'Team' | 'Member') => [
    ...new Set(refs.filter((r) => r.type === type).map((r) => handleKey(r).slice(type.length + 1))),
  ];
  const emails = handles('Member').filter((h) => h.includes('@'));
  const slugs = handles('Team');
  const [members, teams] = await Promise.all([
    emails.length === 0
      ? []
      : db
          .selectFrom('members')
          .innerJoin('users', 'users.id', 'members.user_id')
          .select(['users.id as id', 'users.email as handle'])
          .where('members.org_id', '=', orgId)
          .where('users.email', 'in', emails)
          .execute(),
    slugs.length === 0
      ? []
      : db
          .selectFrom('teams')
          .select(['id', 'slug as handle'])
          .where('org_id', '=', orgId)
          .where('slug', 'in', slugs)
          .execute(),
  ]);
  return new Map([
    ...members.map((m) => [`Member:${m.handle.toLowerCase()}`, m.id] as const),
    ...teams.map((t) => [`Team:${t.handle}`, t.id] as const),
  ]);
}

/** Every Team/Member reference, from actions and `assigned_to` filters, with the path of its field. */
function targetRefs(rule: RuleBody): TargetRef[] {
  const refs: TargetRef[] = [];
  const add = (path: string, node: { targetType: string; targetIdentifier?: string | undefined }) => {
    if ((node.targetType === 'Team' || node.targetType === 'Member') && node.targetIdentifier !== undefined) {
      refs.push({ path: `${path}.targetIdentifier`, type: node.targetType, id: node.targetIdentifier });
    }
  };
  rule.actions.forEach((action, i) => {
    if ('targetType' in action) add(`actions.${i}`, action);
  });
  rule.filters.forEach((filter, i) => {
    if (filter.id === 'assigned_to') add(`filters.${i}`, filter);
  });
  return refs;
}
