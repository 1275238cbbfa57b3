import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { CHANNEL_KINDS, type ChannelKind } from '../delivery/channel.js';
import { DEFAULT_RETRY_POLICY } from '../delivery/retry-policy.js';
import { parseJsonObject } from '../store/json.js';
import type { Database } from '../store/schema.js';
import type { ReferenceCache } from '../tenancy/reference-cache.js';
import { DEFAULT_DIGEST_OPTIONS, type DigestOptions } from './digest-schedule.js';
import { type ChannelLimit, LONGEST_WINDOW_SECONDS } from './limiter.js';

/**
 * Limits when an organization sets none: a person's inbox and phone get few messages per hour, a chat
 * channel a few per ten minutes; the in-app inbox and machine receivers (webhooks, PagerDuty) are not
 * limited, since they neither tire nor flood anyone.
 */
export const DEFAULT_LIMITS: Readonly<Record<ChannelKind, ChannelLimit | null>> = {
  email: { limit: 20, windowSeconds: 3600 },
  slack: { limit: 30, windowSeconds: 600 },
  msteams: { limit: 30, windowSeconds: 600 },
  discord: { limit: 30, windowSeconds: 600 },
  push: { limit: 30, windowSeconds: 3600 },
  inapp: null,
  webhook: null,
  pagerduty: null,
};

/** One channel's limit as the API takes it; null lifts the limit. */
export const channelLimitSchema = z
  .strictObject({
    limit: z.int().min(1).max(100_000),
    windowSeconds: z.int().min(1).max(LONGEST_WINDOW_SECONDS),
  })
  .nullable();

/** `PUT /api/v1/orgs/{org}/throttle`: overrides by channel; channels left out use the defaults. */
export const throttleInputSchema = z.strictObject({
  limits: z.partialRecord(z.enum(CHANNEL_KINDS), channelLimitSchema),
});

/**
 * `PUT /api/v1/orgs/{org}/retries`: how many times a delivery is attempted in all before it is a dead
 * letter (DESIGN §9: default 8, over about half an hour; each retry waits longer, up to 10 minutes).
 */
export const retriesInputSchema = z.strictObject({
  maxAttempts: z.int().min(1).max(20).default(DEFAULT_RETRY_POLICY.maxAttempts),
});

/** An organization's retry settings as the API shows them. */
export type RetriesView = z.output<typeof retriesInputSchema>;

/** The per-project digest options as the API takes and shows them (seconds). */
export const digestOptionsSchema = z
  .strictObject({
    minimumDelay: z
      .int()
      .min(60)
      .max(3600)
      .default(DEFAULT_DIGEST_OPTIONS.minimumMs / 1000),
    maximumDelay: z
      .int()
      .min(60)
      .max(3600)
      .default(DEFAULT_DIGEST_OPTIONS.maximumMs / 1000),
    /** Herald's departure from Sentry: a recipient hears of a new issue at once, limits allowing. */
    immediateNewIssues: z.boolean().default(DEFAULT_DIGEST_OPTIONS.immediateNewIssues),
  })
  .refine((o) => o.minimumDelay <= o.maximumDelay, {
    path: ['maximumDelay'],
    message: 'must be at least minimumDelay',
  });

/** Digest options in API form. */
export type DigestOptionsInput = z.output<typeof digestOptionsSchema>;

/** An organization's limits: what applies per channel, and what it overrode. */
export interface ThrottleView {
  readonly limits: Record<ChannelKind, ChannelLimit | null>;
  readonly overrides: Partial<Record<ChannelKind, ChannelLimit | null>>;
  /** Herald's own limits, which a channel the organization did not set follows. */
  readonly defaults: Readonly<Record<ChannelKind, ChannelLimit | null>>;
}

/** What the throttle settings need. */
export interface ThrottleSettingsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /**
   * Where limits and digest options are read (the fan-out reads them for every notification); told of
   * every change made here.
   */
  readonly references: ReferenceCache;
}

/**
 * Reads and writes throttle limits (in `organizations.options.throttle`) and digest options (in
 * `projects.options.digests`). One instance serves the API and the pipeline.
 */
export function throttleSettings(deps: ThrottleSettingsDeps) {
  const { db, clock, references } = deps;

  /** Writes one key of an organization's options, keeping the others; this process sees it at once. */
  async function setOption(orgId: string, key: string, value: unknown): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('organizations')
        .select('options')
        .where('id', '=', orgId)
        .executeTakeFirstOrThrow();
      const options = { ...parseJsonObject(row.options), [key]: value };
      await trx
        .updateTable('organizations')
        .set({ options: JSON.stringify(options), updated_at: clock.now() })
        .where('id', '=', orgId)
        .execute();
    });
    references.forgetOrganization(orgId);
  }

  function overridesOf(stored: unknown): Partial<Record<ChannelKind, ChannelLimit | null>> {
    const parsed = throttleInputSchema.safeParse({ limits: stored ?? {} });
    return parsed.success ? parsed.data.limits : {};
  }

  function digestsOf(stored: unknown): DigestOptionsInput {
    const parsed = digestOptionsSchema.safeParse(stored ?? {});
    return parsed.success ? parsed.data : digestOptionsSchema.parse({});
  }

  return {
    /** The limits in force for an organization; `trx` is the caller's transaction, if it is in one. */
    async limits(orgId: string, trx?: Transaction<Database>): Promise<ThrottleView> {
      const overrides = overridesOf((await references.organization(orgId, trx))?.throttle);
      return { limits: { ...DEFAULT_LIMITS, ...overrides }, overrides, defaults: DEFAULT_LIMITS };
    },

    /** Replaces an organization's overrides; other options are kept as they are. */
    async setLimits(orgId: string, input: z.output<typeof throttleInputSchema>): Promise<ThrottleView> {
      await setOption(orgId, 'throttle', input.limits);
      return this.limits(orgId);
    },

    /** An organization's retry settings: its own, else the defaults. */
    async retries(orgId: string): Promise<RetriesView> {
      const parsed = retriesInputSchema.safeParse((await references.organization(orgId))?.retries ?? {});
      return parsed.success ? parsed.data : retriesInputSchema.parse({});
    },

    /** Replaces an organization's retry settings; other options are kept as they are. */
    async setRetries(orgId: string, input: RetriesView): Promise<RetriesView> {
      await setOption(orgId, 'retries', input);
      return this.retries(orgId);
    },

    /** A project's digest options in API form; `trx` is the caller's transaction, if it is in one. */
    async digestInput(projectId: string, trx?: Transaction<Database>): Promise<DigestOptionsInput> {
      return digestsOf((await references.project(projectId, trx))?.digests);
    },

    /**
     * A project's digest schedule; defaults when the project has none. `trx` is the caller's transaction,
     * if it is in one.
     */
    async digestOptions(projectId: string | null, trx?: Transaction<Database>): Promise<DigestOptions> {
      if (projectId === null) return DEFAULT_DIGEST_OPTIONS;
      const input = await this.digestInput(projectId, trx);
      return {
        ...DEFAULT_DIGEST_OPTIONS,
        minimumMs: input.minimumDelay * 1000,
        maximumMs: input.maximumDelay * 1000,
        immediateNewIssues: input.immediateNewIssues,
      };
    },

    /** Replaces a project's digest options; other project options are kept. */
    async setDigestOptions(projectId: string, input: DigestOptionsInput): Promise<DigestOptionsInput> {
      await db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('projects')
          .select('options')
          .where('id', '=', projectId)
          .executeTakeFirstOrThrow();
        const options = { ...parseJsonObject(row.options), digests: input };
        await trx
          .updateTable('projects')
          .set({ options: JSON.stringify(options) })
          .where('id', '=', projectId)
          .execute();
      });
      references.forgetProject(projectId);
      return this.digestInput(projectId);
    },
  };
}

/** The throttle and digest settings service. */
export type ThrottleSettings = ReturnType<typeof throttleSettings>;
