import { describe, expect, it } from 'vitest';
import type { ChannelKind } from '../delivery/channel.js';
import { ValidationError } from '../errors.js';
import {
  defaultValue,
  effectiveSettings,
  type ResolvedSetting,
  resolveSetting,
  type SettingQuery,
} from './resolve.js';
import type { SettingRow, SettingType } from './setting-schema.js';

const context = { userId: 'u1', teamIds: ['t1', 't2'], orgId: 'o1', projectId: 'p1' } as const;

/** A row owned by u1, scoped to u1, for workflow on every channel, unless told otherwise. */
function row(overrides: Partial<SettingRow>): SettingRow {
  return {
    ownerType: 'user',
    ownerId: 'u1',
    type: 'workflow',
    channel: null,
    scopeType: 'user',
    scopeId: 'u1',
    value: 'always',
    ...overrides,
  };
}

const project = (o: Partial<SettingRow>) => row({ scopeType: 'project', scopeId: 'p1', ...o });
const org = (o: Partial<SettingRow>) => row({ scopeType: 'organization', scopeId: 'o1', ...o });
const team = (o: Partial<SettingRow>) => row({ scopeType: 'team', scopeId: 't1', ...o });
/** The same row owned by team `teamId` instead of u1. */
const ownedBy = (teamId: string, r: SettingRow): SettingRow => ({ ...r, ownerType: 'team', ownerId: teamId });

interface Case {
  readonly name: string;
  readonly rows: readonly SettingRow[];
  readonly type?: SettingType;
  readonly channel?: ChannelKind;
  readonly query?: Partial<SettingQuery>;
  readonly value: string;
  /** The deciding row's scope type and owner type, or 'default'. */
  readonly from: string;
}

const cases: readonly Case[] = [
  // Defaults
  { name: 'alerts default on email', rows: [], type: 'alerts', value: 'always', from: 'default' },
  { name: 'workflow default on slack', rows: [], channel: 'slack', value: 'subscribe_only', from: 'default' },
  {
    name: 'deploy default in-app',
    rows: [],
    type: 'deploy',
    channel: 'inapp',
    value: 'committed_only',
    from: 'default',
  },
  {
    name: 'msteams off by default',
    rows: [],
    type: 'alerts',
    channel: 'msteams',
    value: 'never',
    from: 'default',
  },
  {
    name: 'pagerduty off by default',
    rows: [],
    type: 'alerts',
    channel: 'pagerduty',
    value: 'never',
    from: 'default',
  },
  // Scope order: project > organization > user > team
  {
    name: 'project beats organization',
    rows: [org({ value: 'never' }), project({ value: 'always' })],
    value: 'always',
    from: 'project/user',
  },
  {
    name: 'organization beats user',
    rows: [row({ value: 'always' }), org({ value: 'never' })],
    value: 'never',
    from: 'organization/user',
  },
  {
    name: 'user beats team scope',
    rows: [team({ value: 'never' }), row({ value: 'always' })],
    value: 'always',
    from: 'user/user',
  },
  { name: 'team scope beats default', rows: [team({ value: 'never' })], value: 'never', from: 'team/user' },
  {
    name: 'project beats all',
    rows: [team({}), row({}), org({}), project({ value: 'subscribe_only' })],
    value: 'subscribe_only',
    from: 'project/user',
  },
  // What does not apply
  {
    name: 'another project is ignored',
    rows: [project({ scopeId: 'p2', value: 'never' })],
    value: 'subscribe_only',
    from: 'default',
  },
  {
    name: 'no project: project rows ignored',
    rows: [project({ value: 'never' })],
    query: { projectId: null },
    value: 'subscribe_only',
    from: 'default',
  },
  {
    name: 'another organization is ignored',
    rows: [org({ scopeId: 'o2', value: 'never' })],
    value: 'subscribe_only',
    from: 'default',
  },
  {
    name: "another user's rows are ignored",
    rows: [row({ ownerId: 'u2', scopeId: 'u2', value: 'never' })],
    value: 'subscribe_only',
    from: 'default',
  },
  {
    name: 'a foreign team scope is ignored',
    rows: [team({ scopeId: 't9', value: 'never' })],
    value: 'subscribe_only',
    from: 'default',
  },
  {
    name: "a foreign team's rows are ignored",
    rows: [ownedBy('t9', org({ value: 'never' }))],
    value: 'subscribe_only',
    from: 'default',
  },
  {
    name: 'other types are ignored',
    rows: [row({ type: 'alerts', value: 'never' })],
    value: 'subscribe_only',
    from: 'default',
  },
  // Team-owned rows sit below the person's own rows at the same scope, above less specific scopes
  {
    name: 'own org row beats team org row',
    rows: [ownedBy('t1', org({ value: 'never' })), org({ value: 'always' })],
    value: 'always',
    from: 'organization/user',
  },
  {
    name: 'team org row beats own user row',
    rows: [row({ value: 'always' }), ownedBy('t2', org({ value: 'never' }))],
    value: 'never',
    from: 'organization/team',
  },
  {
    name: 'team project row beats own org row',
    rows: [org({ value: 'never' }), ownedBy('t1', project({ value: 'always' }))],
    value: 'always',
    from: 'project/team',
  },
  {
    name: 'teams disagreeing: the more willing wins',
    rows: [ownedBy('t1', team({ value: 'never' })), ownedBy('t2', team({ scopeId: 't2', value: 'always' }))],
    value: 'always',
    from: 'team/team',
  },
  // Type level vs channel level
  {
    name: 'channel row beats type row at same scope',
    rows: [row({ value: 'always' }), row({ channel: 'email', value: 'never' })],
    value: 'never',
    from: 'user/user',
  },
  {
    name: 'type row covers other channels',
    rows: [row({ value: 'always' }), row({ channel: 'email', value: 'never' })],
    channel: 'slack',
    value: 'always',
    from: 'user/user',
  },
  {
    name: 'type never beats channel always at same scope',
    rows: [org({ value: 'never' }), org({ channel: 'email', value: 'always' })],
    value: 'never',
    from: 'organization/user',
  },
  {
    name: 'type never beats less specific channel always',
    rows: [org({ value: 'never' }), row({ channel: 'email', value: 'always' })],
    value: 'never',
    from: 'organization/user',
  },
  {
    name: 'more specific channel row beats type never',
    rows: [org({ value: 'never' }), project({ channel: 'email', value: 'always' })],
    value: 'always',
    from: 'project/user',
  },
  {
    name: 'more specific type row beats channel row',
    rows: [row({ channel: 'email', value: 'never' }), org({ value: 'always' })],
    value: 'always',
    from: 'organization/user',
  },
  {
    name: 'type never silences default-off channels',
    rows: [row({ type: 'alerts', value: 'never' })],
    type: 'alerts',
    channel: 'push',
    value: 'never',
    from: 'user/user',
  },
  // Default-off channels are switched on only by a row naming them
  {
    name: 'type always does not turn on msteams',
    rows: [row({ type: 'alerts', value: 'always' })],
    type: 'alerts',
    channel: 'msteams',
    value: 'never',
    from: 'default',
  },
  {
    name: 'channel row turns on msteams',
    rows: [row({ channel: 'msteams', value: 'always' })],
    channel: 'msteams',
    value: 'always',
    from: 'user/user',
  },
  {
    name: 'turned-on channel follows a more specific type row',
    rows: [row({ channel: 'msteams', value: 'always' }), project({ value: 'subscribe_only' })],
    channel: 'msteams',
    value: 'subscribe_only',
    from: 'project/user',
  },
  {
    name: 'turned-off channel stays off under a type row',
    rows: [row({ channel: 'discord', value: 'never' }), project({ value: 'always' })],
    channel: 'discord',
    value: 'never',
    from: 'user/user',
  },
];

function describeSource(result: ResolvedSetting): string {
  return result.source === 'default' ? 'default' : `${result.source.scopeType}/${result.source.ownerType}`;
}

describe('resolveSetting', () => {
  it.each(cases)('$name', (c) => {
    const query: SettingQuery = {
      ...context,
      type: c.type ?? 'workflow',
      channel: c.channel ?? 'email',
      ...c.query,
    };
    const result = resolveSetting(c.rows, query);
    expect({ value: result.value, from: describeSource(result) }).toEqual({ value: c.value, from: c.from });
  });

  it('names the deciding row in full', () => {
    const result = resolveSetting(
      [project({ ownerType: 'team', ownerId: 't2', channel: 'slack', value: 'never' })],
      {
        ...context,
        type: 'workflow',
        channel: 'slack',
      },
    );
    expect(result.source).toEqual({
      scopeType: 'project',
      scopeId: 'p1',
      ownerType: 'team',
      ownerId: 't2',
      channel: 'slack',
    });
  });

  it.each([
    { bad: row({ type: 'alerts', value: 'subscribe_only' }), path: 'rows.1.value' },
    { bad: row({ type: 'workflow', value: 'committed_only' }), path: 'rows.1.value' },
    { bad: row({ value: 'sometimes' as never }), path: 'rows.1.value' },
    { bad: row({ channel: 'fax' as never }), path: 'rows.1.channel' },
    { bad: row({ scopeType: 'galaxy' as never }), path: 'rows.1.scopeType' },
    { bad: row({ value: 'never' }), path: 'rows.1' },
  ])('refuses a row that breaks the model: $path', ({ bad, path }) => {
    const call = () => resolveSetting([row({}), bad], { ...context, type: 'workflow', channel: 'email' });
    expect(call).toThrow(ValidationError);
    try {
      call();
    } catch (error) {
      expect((error as ValidationError).details.map((d) => d.path)).toContain(path);
    }
  });
});

describe('effectiveSettings', () => {
  it('gives every type on every channel with its reason', () => {
    const all = effectiveSettings(
      [row({ type: 'deploy', value: 'never' }), org({ type: 'alerts', channel: 'push', value: 'always' })],
      context,
    );
    expect(all).toHaveLength(3 * 8);
    const cell = (type: SettingType, channel: ChannelKind) =>
      all.find((e) => e.type === type && e.channel === channel)!;
    expect(cell('alerts', 'email')).toMatchObject({ value: 'always', source: 'default' });
    expect(cell('alerts', 'push')).toMatchObject({
      value: 'always',
      source: { scopeType: 'organization', channel: 'push' },
    });
    expect(cell('alerts', 'webhook')).toMatchObject({ value: 'never', source: 'default' });
    expect(cell('deploy', 'slack')).toMatchObject({
      value: 'never',
      source: { scopeType: 'user', channel: null },
    });
    expect(cell('workflow', 'inapp')).toMatchObject({ value: 'subscribe_only', source: 'default' });
  });

  it('agrees with resolveSetting cell by cell', () => {
    const rows = [
      org({ value: 'never' }),
      row({ channel: 'slack', value: 'always' }),
      project({ channel: 'email', value: 'always' }),
    ];
    for (const cell of effectiveSettings(rows, context)) {
      expect(resolveSetting(rows, { ...context, type: cell.type, channel: cell.channel })).toEqual({
        value: cell.value,
        source: cell.source,
      });
    }
  });

  it('matches defaultValue with no rows', () => {
    for (const cell of effectiveSettings([], context)) {
      expect(cell).toMatchObject({ value: defaultValue(cell.type, cell.channel), source: 'default' });
    }
  });
});
