import { CHANNEL_KINDS, type ChannelKind } from '../delivery/channel.js';
import {
  assertSettingRows,
  type OwnerType,
  type ScopeType,
  SETTING_TYPES,
  type SettingRow,
  type SettingType,
  type SettingValue,
} from './setting-schema.js';

/** Channels that carry a person's notifications until they say otherwise; the rest wait to be turned on. */
export const DEFAULT_ON_CHANNELS = ['email', 'slack', 'inapp'] as const satisfies readonly ChannelKind[];

/** True when `channel` is on for a person who has set nothing. */
export function isDefaultOn(channel: ChannelKind): boolean {
  return (DEFAULT_ON_CHANNELS as readonly ChannelKind[]).includes(channel);
}

/** What each category does on a default-on channel when nobody has set anything. */
export const DEFAULT_VALUES: Readonly<Record<SettingType, SettingValue>> = {
  alerts: 'always',
  workflow: 'subscribe_only',
  deploy: 'committed_only',
};

/** The value of (type, channel) when no row applies. */
export function defaultValue(type: SettingType, channel: ChannelKind): SettingValue {
  return isDefaultOn(channel) ? DEFAULT_VALUES[type] : 'never';
}

/** Who is asking and where: the person, their teams, and the organization and project of the message. */
export interface SettingContext {
  readonly userId: string;
  readonly teamIds: readonly string[];
  readonly orgId: string;
  /** Null for messages that belong to no project (integration disabled, organization notices). */
  readonly projectId: string | null;
}

/** One question to resolution: which value holds for this category on this channel? */
export interface SettingQuery extends SettingContext {
  readonly type: SettingType;
  readonly channel: ChannelKind;
}

/** The row that decided a value, so a settings page and the history can say why. */
export interface SettingSource {
  readonly scopeType: ScopeType;
  readonly scopeId: string;
  readonly ownerType: OwnerType;
  readonly ownerId: string;
  /** Null when the deciding row was set for the category on every channel. */
  readonly channel: ChannelKind | null;
}

/** A resolved value and where it came from. */
export interface ResolvedSetting {
  readonly value: SettingValue;
  readonly source: SettingSource | 'default';
}

/** One cell of the settings page: a category on a channel, its value and its reason. */
export interface EffectiveSetting extends ResolvedSetting {
  readonly type: SettingType;
  readonly channel: ChannelKind;
}

// Most specific first. Within one scope a person's own rows come before the rows of their teams: a team
// sets defaults for its members, and a member who says otherwise at the same scope means it.
const LEVELS: readonly (readonly [ScopeType, OwnerType])[] = [
  ['project', 'user'],
  ['project', 'team'],
  ['organization', 'user'],
  ['organization', 'team'],
  ['user', 'user'],
  ['user', 'team'],
  ['team', 'user'],
  ['team', 'team'],
];

// Several teams may disagree at one level; the person then gets what the most willing team asked for,
// since missing a monitoring alert costs more than one message too many (their own rows still win).
const PERMISSIVENESS: Readonly<Record<SettingValue, number>> = {
  never: 0,
  subscribe_only: 1,
  committed_only: 1,
  always: 2,
};

/** Resolves the value of one category on one channel for one person; throws on rows that break the model. */
export function resolveSetting(rows: readonly SettingRow[], query: SettingQuery): ResolvedSetting {
  assertSettingRows(rows);
  return resolveIn(levelsFor(rows, query, query.type), query.type, query.channel);
}

/** Every category on every channel with its value and source, for a page that shows what applies and why. */
export function effectiveSettings(rows: readonly SettingRow[], context: SettingContext): EffectiveSetting[] {
  assertSettingRows(rows);
  const out: EffectiveSetting[] = [];
  for (const type of SETTING_TYPES) {
    const levels = levelsFor(rows, context, type);
    for (const channel of CHANNEL_KINDS) out.push({ type, channel, ...resolveIn(levels, type, channel) });
  }
  return out;
}

/** The rows of `type` that apply to this person, bucketed by level (index into LEVELS). */
function levelsFor(rows: readonly SettingRow[], context: SettingContext, type: SettingType): SettingRow[][] {
  const teams = new Set(context.teamIds);
  const levels: SettingRow[][] = LEVELS.map(() => []);
  for (const row of rows) {
    if (row.type !== type) continue;
    const owned = row.ownerType === 'user' ? row.ownerId === context.userId : teams.has(row.ownerId);
    if (!owned || !inScope(row, context, teams)) continue;
    const level = LEVELS.findIndex(([scope, owner]) => scope === row.scopeType && owner === row.ownerType);
    levels[level]?.push(row);
  }
  return levels;
}

function inScope(row: SettingRow, context: SettingContext, teams: ReadonlySet<string>): boolean {
  switch (row.scopeType) {
    case 'project':
      return context.projectId !== null && row.scopeId === context.projectId;
    case 'organization':
      return row.scopeId === context.orgId;
    case 'user':
      return row.scopeId === context.userId;
    case 'team':
      return teams.has(row.scopeId);
  }
}

function resolveIn(
  levels: readonly SettingRow[][],
  type: SettingType,
  channel: ChannelKind,
): ResolvedSetting {
  for (let i = 0; i < levels.length; i++) {
    const row = pickAtLevel(levels[i] ?? [], channel);
    if (row === null) continue;
    // A category-wide row sets how a channel behaves but does not switch on a channel that is off by
    // default: "alerts: always" must not start paging someone on PagerDuty they never turned on.
    if (row.channel === null && row.value !== 'never' && !isDefaultOn(channel)) {
      const enabling = firstChannelRow(levels, i, channel);
      if (enabling === null) return { value: 'never', source: 'default' };
      if (enabling.value === 'never') return { value: 'never', source: sourceOf(enabling) };
    }
    return { value: row.value, source: sourceOf(row) };
  }
  return { value: defaultValue(type, channel), source: 'default' };
}

/** The most specific row naming `channel` itself, from level `from` on. */
function firstChannelRow(
  levels: readonly SettingRow[][],
  from: number,
  channel: ChannelKind,
): SettingRow | null {
  for (let i = from; i < levels.length; i++) {
    const own = (levels[i] ?? []).filter((row) => row.channel === channel);
    const row = pickAtLevel(own, channel);
    if (row !== null) return row;
  }
  return null;
}

/**
 * The deciding row of one level. Each owner-and-scope pair is read on its own (a category-wide `never`
 * silences its channels, else the channel's row, else the category-wide row), then pairs are merged.
 */
function pickAtLevel(rows: readonly SettingRow[], channel: ChannelKind): SettingRow | null {
  const groups = new Map<string, { all?: SettingRow; one?: SettingRow }>();
  for (const row of rows) {
    if (row.channel !== null && row.channel !== channel) continue;
    const key = `${row.ownerId}\u0000${row.scopeId}`;
    const group = groups.get(key) ?? {};
    if (row.channel === null) group.all = row;
    else group.one = row;
    groups.set(key, group);
  }
  let best: SettingRow | null = null;
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    const row = group.all?.value === 'never' ? group.all : (group.one ?? group.all);
    if (row !== undefined && (best === null || outranks(row, best))) best = row;
  }
  return best;
}

function outranks(a: SettingRow, b: SettingRow): boolean {
  const diff = PERMISSIVENESS[a.value] - PERMISSIVENESS[b.value];
  return diff > 0 || (diff === 0 && a.channel !== null && b.channel === null);
}

function sourceOf(row: SettingRow): SettingSource {
  return {
    scopeType: row.scopeType,
    scopeId: row.scopeId,
    ownerType: row.ownerType,
    ownerId: row.ownerId,
    channel: row.channel,
  };
}
