import type { Kysely } from 'kysely';
import { CHANNEL_KINDS } from '../delivery/channel.js';
import type { HeraldEvent } from '../events/event.js';
import { settingsStore } from '../people/settings-store.js';
import { loadDeliveryOptions } from '../people/user-options.js';
import { resolveSetting } from '../preferences/resolve.js';
import type { SettingRow, SettingType, SettingValue } from '../preferences/setting-schema.js';
import type { Database } from '../store/schema.js';
import { issueOwners } from './ownership.js';
import type { OwnershipStore } from './ownership-store.js';
import { type RecipientUser, recipientStore } from './recipient-store.js';

/** Whom a `notify_*` action names (DESIGN §5). */
export const TARGET_TYPES = ['IssueOwners', 'Team', 'Member'] as const;

/** Who gets an IssueOwners action when no rule owns the event. */
export const FALLTHROUGH_TYPES = ['ActiveMembers', 'AllMembers', 'NoOne'] as const;

/** The target of one action, as rules store it. */
export interface ActionTarget {
  readonly targetType: (typeof TARGET_TYPES)[number];
  /** A user id (Member) or team id or slug (Team). */
  readonly targetIdentifier?: string | null | undefined;
  /** IssueOwners only; Sentry's default, ActiveMembers, when absent. */
  readonly fallthroughType?: (typeof FALLTHROUGH_TYPES)[number] | null | undefined;
}

/** How many people ActiveMembers reaches at most, most recently active first (Sentry's number). */
export const ACTIVE_MEMBERS_LIMIT = 20;

/** A workflow recipient: subscribed people pass `subscribe_only`; the others came by an `always`. */
export interface WorkflowRecipient extends RecipientUser {
  readonly subscribed: boolean;
  /** The subscription reason, or `setting` for people reached by their `always`. */
  readonly reason: string;
}

/** A deploy recipient: `committed` when one of the release's commits carries their email. */
export interface DeployRecipient extends RecipientUser {
  readonly committed: boolean;
}

/** Turns action targets, subscriptions and deploy settings into people. */
export function recipients(deps: { readonly db: Kysely<Database>; readonly ownership: OwnershipStore }) {
  const { db, ownership } = deps;
  const store = recipientStore(db);
  const settings = settingsStore(db);

  async function fallthrough(orgId: string, projectId: string, type: ActionTarget['fallthroughType']) {
    switch (type ?? 'ActiveMembers') {
      case 'NoOne':
        return [];
      case 'AllMembers':
        return store.projectMembers(orgId, projectId, { order: 'joined' });
      default:
        return store.projectMembers(orgId, projectId, { order: 'activity', limit: ACTIVE_MEMBERS_LIMIT });
    }
  }

  /** Each person's values of `type` across channels, resolved for this org and project. */
  async function valuesOf(
    orgId: string,
    projectId: string,
    people: readonly RecipientUser[],
    type: SettingType,
  ): Promise<Map<string, Set<SettingValue>>> {
    const ids = people.map((p) => p.id);
    const teams = await store.teamsOf(orgId, ids);
    const rows = await settings.rowsOf(
      { userIds: ids, teamIds: [...new Set([...teams.values()].flat())] },
      type,
    );
    const out = new Map<string, Set<SettingValue>>();
    for (const id of ids) {
      const teamIds = teams.get(id) ?? [];
      const own: SettingRow[] = rows.filter((r) =>
        r.ownerType === 'user' ? r.ownerId === id : teamIds.includes(r.ownerId),
      );
      const values = new Set<SettingValue>();
      for (const channel of CHANNEL_KINDS) {
        values.add(resolveSetting(own, { userId: id, teamIds, orgId, projectId, type, channel }).value);
      }
      out.set(id, values);
    }
    return out;
  }

  return {
    /**
     * The people an action reaches for an event. Member and Team name people directly (someone who
     * left the organization is skipped); IssueOwners reads the project's ownership rules and falls
     * through when nobody owns the event.
     */
    async resolve(input: {
      readonly orgId: string;
      readonly projectId: string;
      readonly target: ActionTarget;
      readonly event: HeraldEvent;
    }): Promise<RecipientUser[]> {
      const { orgId, projectId, target, event } = input;
      if (target.targetType === 'Member') {
        return target.targetIdentifier ? store.members(orgId, [target.targetIdentifier]) : [];
      }
      if (target.targetType === 'Team') {
        const teamId = target.targetIdentifier ? await store.teamId(orgId, target.targetIdentifier) : null;
        return teamId ? store.teamMembers(orgId, [teamId]) : [];
      }
      const owners = issueOwners(await ownership.rulesOf(projectId), event);
      const users = await store.members(
        orgId,
        owners.filter((o) => o.type === 'user').map((o) => o.id),
      );
      const viaTeams = await store.teamMembers(
        orgId,
        owners.filter((o) => o.type === 'team').map((o) => o.id),
      );
      const seen = new Set<string>();
      const found = [...users, ...viaTeams].filter((u) => !seen.has(u.id) && seen.add(u.id));
      return found.length > 0 ? found : fallthrough(orgId, projectId, target.fallthroughType);
    },

    /**
     * The person or team a Member or Team action names when it is not (or no longer) in the organization,
     * with why: such a target reaches nobody, and the history says so. Null for a target that exists
     * (a team may be empty) and for IssueOwners, which falls through instead.
     */
    async unreachable(
      orgId: string,
      target: ActionTarget,
    ): Promise<{ type: 'user' | 'team'; id: string; problem: string } | null> {
      const id = target.targetIdentifier;
      if (!id || target.targetType === 'IssueOwners') return null;
      if (target.targetType === 'Member') {
        if ((await store.members(orgId, [id])).length > 0) return null;
        return { type: 'user', id, problem: `${id} is not a member of this organization` };
      }
      if ((await store.teamId(orgId, id)) !== null) return null;
      return { type: 'team', id, problem: `${id} is not a team of this organization` };
    },

    /**
     * Who hears about workflow activity on an issue: its subscribers, plus project members whose
     * workflow setting resolves to `always` on some channel. An explicit unsubscribe from the issue wins
     * over `always`. The actor is left out unless they turned on notifications about their own actions.
     */
    async workflowRecipients(issueId: string, actorId: string | null): Promise<WorkflowRecipient[]> {
      const issue = await store.issue(issueId);
      if (!issue) return [];
      const subs = await store.subscriptions(issueId);
      const unsubscribed = new Set(subs.filter((s) => !s.subscribed).map((s) => s.userId));
      const reasons = new Map(subs.filter((s) => s.subscribed).map((s) => [s.userId, s.reason]));
      const subscribers = await store.members(issue.orgId, [...reasons.keys()]);
      const members = (await store.projectMembers(issue.orgId, issue.projectId, { order: 'joined' })).filter(
        (m) => !reasons.has(m.id) && !unsubscribed.has(m.id),
      );
      const values = await valuesOf(issue.orgId, issue.projectId, members, 'workflow');
      const out: WorkflowRecipient[] = [
        ...subscribers.map((u) => ({ ...u, subscribed: true, reason: reasons.get(u.id) ?? 'explicit' })),
        ...members
          .filter((m) => values.get(m.id)?.has('always'))
          .map((m) => ({ ...m, subscribed: false, reason: 'setting' })),
      ];
      if (actorId === null || !out.some((r) => r.id === actorId)) return out;
      const self = (await loadDeliveryOptions(db, [actorId])).get(actorId)?.selfNotifications ?? false;
      return self ? out : out.filter((r) => r.id !== actorId);
    },

    /**
     * Who hears about a deploy of a release: project members whose deploy setting is `always` on some
     * channel, and those with `committed_only` who authored one of its commits (matched by email).
     */
    async deployRecipients(releaseId: string): Promise<DeployRecipient[]> {
      const release = await store.release(releaseId);
      if (!release) return [];
      const members = await store.projectMembers(release.orgId, release.projectId, { order: 'joined' });
      const emails = await store.commitEmails(releaseId);
      const values = await valuesOf(release.orgId, release.projectId, members, 'deploy');
      return members.flatMap((m) => {
        const committed = emails.has(m.email.toLowerCase());
        const v = values.get(m.id);
        const wanted = v?.has('always') || (committed && v?.has('committed_only'));
        return wanted ? [{ ...m, committed }] : [];
      });
    },
  };
}

/** The recipients stage. */
export type Recipients = ReturnType<typeof recipients>;
