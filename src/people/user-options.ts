import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { type FieldProblem, ValidationError } from '../errors.js';
import { type QuietWindow, quietWindowsSchema, timeZoneSchema } from '../preferences/quiet-hours.js';
import { activeSnooze, parseSnooze, type SnoozeUntil, snoozeInputSchema } from '../preferences/snooze.js';
import { FALLBACK_CHANNELS } from '../rules/rule-schema.js';
import type { Database, UserTable } from '../store/schema.js';
import { iso } from '../tenancy/context.js';
import { localeSchema, zodProblems } from '../validation.js';

/** What the preferences stage needs about one person besides their setting rows. */
export interface DeliveryOptions {
  readonly locale: string;
  readonly timezone: string;
  readonly quietWindows: readonly QuietWindow[];
  readonly snoozedUntil: SnoozeUntil;
  readonly emailDigests: boolean;
  /** Also tell the person about their own workflow actions (off by default, as in Sentry). */
  readonly selfNotifications: boolean;
  /** Personal channels to try in order when a message cannot reach them and its rule names none. */
  readonly fallback: readonly FallbackChannel[];
}

/** One of {@link FALLBACK_CHANNELS}: a channel that reaches one person. */
export type FallbackChannel = (typeof FALLBACK_CHANNELS)[number];

/** A person's fallback list: personal channels, each once, in the order they are tried. */
export const personalFallbackSchema = z
  .array(z.enum(FALLBACK_CHANNELS, { error: `Expected a personal channel: ${FALLBACK_CHANNELS.join(', ')}` }))
  .max(FALLBACK_CHANNELS.length, { error: `At most ${FALLBACK_CHANNELS.length} channels` })
  .superRefine((channels, ctx) => {
    channels.forEach((channel, i) => {
      if (channels.indexOf(channel) !== i)
        ctx.addIssue({ code: 'custom', path: [i], message: `'${channel}' is already in the list` });
    });
  });

/** The options as the settings API shows them. */
export interface UserOptionsView {
  readonly locale: string;
  readonly timezone: string;
  readonly quietHours: readonly QuietWindow[];
  readonly snoozeUntil: string | null;
  readonly emailDigests: boolean;
  readonly selfNotifications: boolean;
  readonly fallback: readonly FallbackChannel[];
}

/** `options` of the settings PUT; quiet windows are read in the person's time zone. */
export const userOptionsInputSchema = z.strictObject({
  locale: localeSchema.optional(),
  timezone: timeZoneSchema.optional(),
  quietHours: quietWindowsSchema.nullable().optional(),
  snoozeUntil: snoozeInputSchema.shape.until.optional(),
  emailDigests: z.boolean().optional(),
  selfNotifications: z.boolean().optional(),
  fallback: personalFallbackSchema.nullable().optional(),
});

/** A validated change to a person's options; absent fields stay as they are. */
export interface OptionsPatch {
  readonly locale?: string;
  readonly timezone?: string;
  readonly quietHours?: readonly QuietWindow[];
  readonly snoozedUntil?: SnoozeUntil;
  readonly emailDigests?: boolean;
  readonly selfNotifications?: boolean;
  readonly fallback?: readonly FallbackChannel[];
}

/** Validates `options` at `now`; problems are named under `options.` rather than thrown, to join others. */
export function parseOptionsPatch(
  input: unknown,
  now: number,
): { patch: OptionsPatch; problems: FieldProblem[] } {
  const result = userOptionsInputSchema.safeParse(input);
  if (!result.success) return { patch: {}, problems: zodProblems(result.error, 'options') };
  const { snoozeUntil, quietHours, fallback, ...rest } = result.data;
  const problems: FieldProblem[] = [];
  let snoozedUntil: SnoozeUntil | undefined;
  if (snoozeUntil !== undefined) {
    try {
      snoozedUntil = parseSnooze({ until: snoozeUntil }, now);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.details.map((d) => ({ path: 'options.snoozeUntil', message: d.message })));
    }
  }
  const patch: OptionsPatch = {
    ...rest,
    ...(quietHours === undefined ? {} : { quietHours: quietHours ?? [] }),
    ...(fallback === undefined ? {} : { fallback: fallback ?? [] }),
    ...(snoozedUntil === undefined ? {} : { snoozedUntil }),
  };
  return { patch, problems };
}

/** Writes a patch inside the caller's transaction; locale and time zone live on the user row. */
export async function writeOptions(
  trx: Transaction<Database>,
  userId: string,
  patch: OptionsPatch,
  now: number,
): Promise<void> {
  const user = {
    ...(patch.locale === undefined ? {} : { locale: patch.locale }),
    ...(patch.timezone === undefined ? {} : { timezone: patch.timezone }),
  };
  if (Object.keys(user).length > 0)
    await trx.updateTable('users').set(user).where('id', '=', userId).execute();
  const options = {
    ...(patch.quietHours === undefined ? {} : { quiet_hours: JSON.stringify(patch.quietHours) }),
    ...(patch.snoozedUntil === undefined ? {} : { snoozed_until: patch.snoozedUntil }),
    ...(patch.emailDigests === undefined ? {} : { email_digests: patch.emailDigests ? 1 : 0 }),
    ...(patch.selfNotifications === undefined ? {} : { self_notifications: patch.selfNotifications ? 1 : 0 }),
    ...(patch.fallback === undefined ? {} : { fallback: JSON.stringify(patch.fallback) }),
  };
  if (Object.keys(options).length === 0) return;
  await trx
    .insertInto('user_options')
    .values({
      user_id: userId,
      quiet_hours: '[]',
      snoozed_until: null,
      email_digests: 1,
      self_notifications: 0,
      fallback: '[]',
      ...options,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ ...options, updated_at: now }))
    .execute();
}

/** The delivery options of several people at once (defaults for those who never set any). */
export async function loadDeliveryOptions(
  db: Kysely<Database>,
  userIds: readonly string[],
): Promise<Map<string, DeliveryOptions>> {
  const out = new Map<string, DeliveryOptions>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('users')
    .leftJoin('user_options', 'user_options.user_id', 'users.id')
    .select([
      'users.id',
      'users.locale',
      'users.timezone',
      'user_options.quiet_hours',
      'user_options.snoozed_until',
      'user_options.email_digests',
      'user_options.self_notifications',
      'user_options.fallback',
    ])
    .where('users.id', 'in', [...new Set(userIds)])
    .execute();
  for (const row of rows) {
    out.set(row.id, {
      locale: row.locale,
      timezone: row.timezone,
      quietWindows: parseWindows(row.quiet_hours),
      snoozedUntil: row.snoozed_until ?? null,
      emailDigests: row.email_digests === null ? true : Number(row.email_digests) === 1,
      selfNotifications: Number(row.self_notifications ?? 0) === 1,
      fallback: parseFallback(row.fallback),
    });
  }
  return out;
}

/** The options of one user as the API shows them; an expired snooze shows as none. */
export async function optionsView(
  db: Kysely<Database>,
  user: UserTable,
  now: number,
): Promise<UserOptionsView> {
  const options = (await loadDeliveryOptions(db, [user.id])).get(user.id);
  const snooze = activeSnooze(options?.snoozedUntil ?? null, now);
  return {
    locale: user.locale,
    timezone: user.timezone,
    quietHours: options?.quietWindows ?? [],
    snoozeUntil: snooze === null ? null : iso(snooze),
    emailDigests: options?.emailDigests ?? true,
    selfNotifications: options?.selfNotifications ?? false,
    fallback: options?.fallback ?? [],
  };
}

// Stored windows were validated on the way in; a corrupt value must not silence or break delivery.
function parseWindows(text: string | null): QuietWindow[] {
  if (!text) return [];
  try {
    const parsed = quietWindowsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

// Validated on the way in too; a corrupt list means no fallback rather than a failed fan-out.
function parseFallback(text: string | null): FallbackChannel[] {
  if (!text || text === '[]') return [];
  try {
    const parsed = personalFallbackSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
