import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Channel, IntegrationRef } from '../delivery/channel.js';
import { RateLimitedError } from '../errors.js';
import { sha256Hex } from '../security/sha256.js';
import type { Database } from '../store/schema.js';
import { translator } from '../templates/i18n/translator.js';
import type { ChannelLimit, RecipientLimiter } from '../throttle/limiter.js';

/** How long a sign-in link works. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

/**
 * How many links may be asked for one address per TTL (refilled continuously), so the form cannot be used
 * to flood a mailbox.
 */
export const SIGN_IN_LINK_LIMIT: ChannelLimit = { limit: 5, windowSeconds: SIGN_IN_LINK_TTL_MS / 1000 };

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** What sign-in links need. */
export interface SignInLinkDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Issues a new personal token for the user and returns it. */
  readonly createToken: (userId: string) => Promise<string>;
  /** The email channel; links go through the person's organization's email integration. */
  readonly email: Channel | undefined;
  /** An active email integration of one of the person's organizations, with its secrets. */
  readonly emailIntegration: (userId: string) => Promise<IntegrationRef | null>;
  readonly publicUrl: () => string;
  /** The installation's token buckets (in Redis in a cluster): each address asked for has one. */
  readonly limiter: RecipientLimiter;
}

/**
 * One-time sign-in links by email: a random token whose hash is stored, mailed through the person's
 * organization's email integration, good for 15 minutes and one use, exchanged for a personal token.
 */
export function signInLinks(deps: SignInLinkDeps) {
  const { db, clock } = deps;

  return {
    /**
     * Sends a link to `email` when it belongs to a person Herald can email. The answer never says
     * whether it did, so the form cannot be used to find out who has an account. Past
     * {@link SIGN_IN_LINK_LIMIT} for the address, a 429 {@link RateLimitedError} says when to ask again:
     * every address counts, whoever it belongs to, so that answer does not tell members apart either.
     */
    async request(email: string): Promise<void> {
      const now = clock.now();
      const address = email.trim().toLowerCase();
      // Counted before anything is looked up, and by a hash: the buckets keep no list of the addresses
      // people tried.
      const { taken, waitMs } = await deps.limiter.takeMany(
        db,
        `sign-in:${sha256Hex(address)}`,
        SIGN_IN_LINK_LIMIT,
        1,
        now,
      );
      if (!taken) {
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        throw new RateLimitedError(
          retryAfter,
          `Too many sign-in links were asked for this address; ask again in ${waitText(retryAfter)}`,
        );
      }
      const user = await db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'locale', 'timezone'])
        .where('email', '=', address)
        .executeTakeFirst();
      if (!user || !deps.email) return;
      const integration = await deps.emailIntegration(user.id);
      if (!integration) return;
      const token = randomBytes(32).toString('base64url');
      const tokenHash = sha256Hex(token);
      await db
        .insertInto('sign_in_links')
        .values({
          token_hash: tokenHash,
          user_id: user.id,
          expires_at: now + SIGN_IN_LINK_TTL_MS,
          used_at: null,
          created_at: now,
        })
        .execute();
      const url = `${deps.publicUrl()}/auth/link?token=${token}`;
      // In the person's language, as their notifications are.
      const { t } = translator(user.locale, user.timezone);
      const greeting = t('signIn.greeting', { name: user.name });
      const text = `${greeting}\n\n${t('signIn.action')}: ${url}\n${t('signIn.validity')}\n\n${t('signIn.ignore')}\n`;
      const html = `<p>${escapeHtml(greeting)}</p><p><a href="${escapeHtml(url)}">${escapeHtml(t('signIn.action'))}</a></p><p>${escapeHtml(t('signIn.validity'))}</p><p>${escapeHtml(t('signIn.ignore'))}</p>`;
      try {
        await deps.email.send(
          {
            deliveryId: `signin_${tokenHash.slice(0, 24)}`,
            notificationId: 'sign-in',
            type: 'sign_in',
            recipient: { type: 'user', id: user.id, email: user.email, name: user.name, locale: user.locale },
            content: { subject: t('signIn.subject'), html, text },
            idempotencyKey: `signin_${tokenHash.slice(0, 24)}`,
          },
          {
            integration,
            signal: AbortSignal.timeout(30_000),
            logger: deps.logger,
            clock,
            state: { get: async () => undefined, set: async () => undefined },
          },
        );
      } catch (error) {
        deps.logger.warn({ err: error, userId: user.id }, 'sign-in link email failed');
      }
    },

    /** Exchanges a link for a new personal token; null when it is unknown, used or expired. */
    async redeem(token: string): Promise<string | null> {
      const now = clock.now();
      const row = await db
        .selectFrom('sign_in_links')
        .selectAll()
        .where('token_hash', '=', sha256Hex(token))
        .executeTakeFirst();
      if (!row || row.used_at !== null || row.expires_at <= now) return null;
      const claimed = await db
        .updateTable('sign_in_links')
        .set({ used_at: now })
        .where('token_hash', '=', row.token_hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return null;
      return deps.createToken(row.user_id);
    },
  };
}

/** "3 minutes", "1 minute", "40 seconds": how long to wait, for the person at the form. */
function waitText(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** The sign-in links service. */
export type SignInLinks = ReturnType<typeof signInLinks>;
