import { z } from 'zod';
import { CHANNEL_KINDS, type ChannelKind, isChannelKind } from '../delivery/channel.js';
import type { FieldProblem } from '../errors.js';
import { joinPath, validationError, zodProblems } from '../validation.js';

/** Settings categories of notification types; a type names its category in its registry entry. */
export const SETTING_TYPES = ['alerts', 'workflow', 'deploy'] as const;

/** One of {@link SETTING_TYPES}. */
export type SettingType = (typeof SETTING_TYPES)[number];

/** True when `value` names a settings category. */
export function isSettingType(value: unknown): value is SettingType {
  return typeof value === 'string' && (SETTING_TYPES as readonly string[]).includes(value);
}

/** Every value a setting may hold, across all categories. */
export const SETTING_VALUES = ['always', 'never', 'subscribe_only', 'committed_only'] as const;

/** One of {@link SETTING_VALUES}. */
export type SettingValue = (typeof SETTING_VALUES)[number];

/** True when `value` is a setting value of some category. */
export function isSettingValue(value: unknown): value is SettingValue {
  return typeof value === 'string' && (SETTING_VALUES as readonly string[]).includes(value);
}

/**
 * The values each category accepts: only issue workflow has subscribers and only releases have
 * committers, so the narrowing values mean nothing elsewhere.
 */
export const VALUES_BY_TYPE: Readonly<Record<SettingType, readonly SettingValue[]>> = {
  alerts: ['always', 'never'],
  workflow: ['always', 'never', 'subscribe_only'],
  deploy: ['always', 'never', 'committed_only'],
};

/** True when `value` may be stored for settings category `type`. */
export function isValueAllowed(type: SettingType, value: SettingValue): boolean {
  return VALUES_BY_TYPE[type].includes(value);
}

/** What a setting applies to; the more specific wins: project > organization > user > team. */
export const SCOPE_TYPES = ['user', 'team', 'organization', 'project'] as const;

/** One of {@link SCOPE_TYPES}. */
export type ScopeType = (typeof SCOPE_TYPES)[number];

/** True when `value` names a scope. */
export function isScopeType(value: unknown): value is ScopeType {
  return typeof value === 'string' && (SCOPE_TYPES as readonly string[]).includes(value);
}

/** Who a setting row belongs to: a person, or a team whose members inherit it. */
export const OWNER_TYPES = ['user', 'team'] as const;

/** One of {@link OWNER_TYPES}. */
export type OwnerType = (typeof OWNER_TYPES)[number];

/** True when `value` names an owner kind. */
export function isOwnerType(value: unknown): value is OwnerType {
  return typeof value === 'string' && (OWNER_TYPES as readonly string[]).includes(value);
}

/** One stored preference; `channel: null` is the category as a whole, on every channel. */
export interface SettingRow {
  readonly ownerType: OwnerType;
  readonly ownerId: string;
  readonly type: SettingType;
  readonly channel: ChannelKind | null;
  readonly scopeType: ScopeType;
  readonly scopeId: string;
  readonly value: SettingValue;
}

/** The identity of a row: everything but its value; at most one row per key. */
export type SettingKey = Omit<SettingRow, 'value'>;

/** A string that identifies a row's key, for upserts and duplicate checks. */
export function settingKey(key: SettingKey): string {
  return [key.ownerType, key.ownerId, key.type, key.channel ?? '*', key.scopeType, key.scopeId].join(
    '\u0000',
  );
}

const idSchema = z.string().trim().min(1).max(128);

/** The problem with a (type, value) pair of raw input, if both are known and do not fit together. */
function valueProblem(input: unknown, path: string): FieldProblem | null {
  if (typeof input !== 'object' || input === null) return null;
  const { type, value } = input as { type?: unknown; value?: unknown };
  if (!isSettingType(type) || !isSettingValue(value) || isValueAllowed(type, value)) return null;
  const allowed = VALUES_BY_TYPE[type].join(', ');
  return {
    path: joinPath(path, 'value'),
    message: `'${value}' is not a value of '${type}' (one of ${allowed})`,
  };
}

function refineValue(input: { type: SettingType; value: SettingValue | null }, ctx: z.RefinementCtx): void {
  const problem = valueProblem(input, '');
  if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem.message });
}

/** A stored row, as the store reads and writes it. */
export const settingRowSchema = z
  .object({
    ownerType: z.enum(OWNER_TYPES),
    ownerId: idSchema,
    type: z.enum(SETTING_TYPES),
    channel: z.enum(CHANNEL_KINDS).nullable(),
    scopeType: z.enum(SCOPE_TYPES),
    scopeId: idSchema,
    value: z.enum(SETTING_VALUES),
  })
  .superRefine(refineValue);

/** One entry of `PUT /api/v1/users/{userId}/notification-settings`; `value: null` deletes the row. */
export const settingChangeSchema = z
  .object({
    type: z.enum(SETTING_TYPES),
    channel: z.enum(CHANNEL_KINDS).nullable(),
    scopeType: z.enum(SCOPE_TYPES),
    scopeId: idSchema,
    value: z.enum(SETTING_VALUES).nullable(),
  })
  .superRefine(refineValue);

/** Bounded so one request cannot write an unbounded number of rows (3 types × 9 channels × scopes). */
export const MAX_SETTING_CHANGES = 500;

/** The body of `PUT /api/v1/users/{userId}/notification-settings`. */
export const settingsUpdateSchema = z.object({
  settings: z.array(settingChangeSchema).min(1).max(MAX_SETTING_CHANGES),
});

/** The parsed body of the PUT. */
export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;

/** What the store must do for one PUT: write these rows, remove these keys, in one transaction. */
export interface SettingChanges {
  readonly upserts: readonly SettingRow[];
  readonly deletes: readonly SettingKey[];
}

/** Validates a stored or incoming row; throws a ValidationError naming every bad field. */
export function parseSettingRow(input: unknown, path = ''): SettingRow {
  const result = settingRowSchema.safeParse(input);
  if (result.success) return result.data;
  const extra = valueProblem(input, path);
  throw validationError([...zodProblems(result.error, path), ...(extra ? [extra] : [])]);
}

/**
 * Validates the PUT body for `userId` and splits it into upserts and deletes. Checks what needs no
 * database: a user-scoped row must be scoped to this user and a key may appear once. Whether a team,
 * organization or project scope id is one the user may see is the caller's (store's) check.
 */
export function parseSettingsUpdate(body: unknown, userId: string): SettingChanges {
  const result = settingsUpdateSchema.safeParse(body);
  const problems: FieldProblem[] = [];
  if (!result.success) {
    problems.push(...zodProblems(result.error));
    const list = (body as { settings?: unknown } | null)?.settings;
    if (Array.isArray(list)) {
      list.forEach((entry, i) => {
        const problem = valueProblem(entry, `settings.${i}`);
        if (problem) problems.push(problem);
      });
    }
    throw validationError(problems);
  }
  const upserts: SettingRow[] = [];
  const deletes: SettingKey[] = [];
  const seen = new Set<string>();
  result.data.settings.forEach((change, i) => {
    const { value, ...rest } = change;
    const key: SettingKey = { ownerType: 'user', ownerId: userId, ...rest };
    if (key.scopeType === 'user' && key.scopeId !== userId) {
      problems.push({ path: `settings.${i}.scopeId`, message: 'A user-scoped setting must name this user' });
    }
    const id = settingKey(key);
    if (seen.has(id)) {
      problems.push({ path: `settings.${i}`, message: 'The same setting appears more than once' });
    }
    seen.add(id);
    if (value === null) deletes.push(key);
    else upserts.push({ ...key, value });
  });
  if (problems.length > 0) throw validationError(problems);
  return { upserts, deletes };
}

/** Checks rows handed to resolution; a row that breaks the model (or repeats a key) is a bug upstream. */
export function assertSettingRows(rows: readonly SettingRow[]): void {
  const problems: FieldProblem[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const at = (field: string) => `rows.${i}.${field}`;
    const first = seen.get(settingKey(row));
    if (first !== undefined) problems.push({ path: `rows.${i}`, message: `Same key as rows.${first}` });
    else seen.set(settingKey(row), i);
    if (!isOwnerType(row.ownerType)) problems.push({ path: at('ownerType'), message: 'Unknown owner type' });
    if (!isSettingType(row.type)) problems.push({ path: at('type'), message: 'Unknown setting type' });
    if (row.channel !== null && !isChannelKind(row.channel)) {
      problems.push({ path: at('channel'), message: 'Unknown channel' });
    }
    if (!isScopeType(row.scopeType)) problems.push({ path: at('scopeType'), message: 'Unknown scope type' });
    if (!isSettingValue(row.value)) problems.push({ path: at('value'), message: 'Unknown setting value' });
    const problem = valueProblem(row, `rows.${i}`);
    if (problem) problems.push(problem);
  });
  if (problems.length > 0) throw validationError(problems);
}
