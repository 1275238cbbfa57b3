import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import {
  type Channel,
  type IntegrationRef,
  PermanentDeliveryError,
  TransientDeliveryError,
} from '../delivery/channel.js';
import { RateLimitedError, UnavailableError } from '../errors.js';
import { sha256Hex } from '../security/sha256.js';
import type { Database } from '../store/schema.js';
import { translator } from '../templates/i18n/translator.js';
import type { ChannelLimit, TokenBuckets } from '../throttle/limiter.js';

/** How long a sign-in link works. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

/**
 * How many links may be asked for one address per TTL (refilled continuously), so the form cannot be used
 * to flood a mailbox.
 */
export const SIGN_IN_LINK_LIMIT: ChannelLimit = { limit: 5, windowSeconds: SIGN_IN_LINK_TTL_MS / 1000 };

/** When to ask again for a link that could not be counted: about the time Redis takes to be back. */
const SIGN_IN_UNAVAILABLE_RETRY_SECONDS = 30;

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
  readonly limiter: TokenBuckets;
}

/**
 * What a failed link may log: a delivery error's code (its text may quote the SMTP server's reply, which
 * names the address), else the error with every address and the token blanked out.
 */
function failure(error: unknown, token: string | undefined): Record<string, unknown> {
  if (error instanceof PermanentDeliveryError || error instanceof TransientDeliveryError)
    return { code: error.code };
  const blank = (text: string) => {
    const addressless = text.replace(/[^\s<>"'(),;:@]+@[^\s<>"'(),;:@]+/g, '[address]');
    return token ? addressless.replaceAll(token, '[redacted]') : addressless;
  };
  if (!(error instanceof Error)) return { err: blank(String(error)) };
  return { err: { type: error.name, message: blank(error.message), stack: blank(error.stack ?? '') } };
}

/**
 * One-time sign-in links by email: a random token whose hash is stored, mailed through the person's
 * organization's email integration, good for 15 minutes and one use, exchanged for a personal token.
 */
export function signInLinks(deps: SignInLinkDeps) {
  const { db, clock } = deps;
  // Links being looked up, written or mailed after their answer; each settles, failing or not.
  const pending = new Set<Promise<void>>();

  /** Mails a link to `address` if it is a person's Herald can email; logs, never throws, why it could not. */
  async function mailLink(address: string, now: number): Promise<void> {
    let userId: string | undefined;
    let token: string | undefined;
    try {
      const user = await db
        .selectFrom('users')
        .select(['id', 'email', 'name', 'locale', 'timezone'])
        .where('email', '=', address)
        .executeTakeFirst();
      if (!user || !deps.email) return;
      userId = user.id;
      const integration = await deps.emailIntegration(user.id);
      if (!integration) return;
      token = randomBytes(32).toString('base64url');
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
      deps.logger.warn({ ...(userId ? { userId } : {}), ...failure(error, token) }, 'sign-in link not sent');
    }
  }

  return {
    /**
     * Takes a link for `email` from its limit, then answers: the link is mailed afterwards, when the
     * address belongs to a person Herald can email. Neither the answer nor its timing says whether it
     * does (looking the person up, writing the link and talking to the mail server would take longer
     * for a member), so the form cannot be used to find out who has an account. Past
     * {@link SIGN_IN_LINK_LIMIT} for the address, a 429 {@link RateLimitedError} says when to ask again:
     * every address counts, whoever it belongs to, so that answer does not tell members apart either.
     */
    async request(email: string): Promise<void> {
      const now = clock.now();
      const address = email.trim().toLowerCase();
      // Counted before anything is looked up, and by a hash: the buckets keep no list of the addresses
      // people tried.
      let answer: { taken: boolean; waitMs: number };
      try {
        answer = await deps.limiter.takeMany(db, `sign-in:${sha256Hex(address)}`, SIGN_IN_LINK_LIMIT, 1, now);
      } catch (error) {
        // The cap cannot be checked (Redis away, in a cluster): no link is sent uncounted, and the person
        // is told to try again rather than shown an internal error. Ingest admits in that case instead:
        // dropping a service's events loses them, where a sign-in can be asked for again.
        deps.logger.warn(
          { code: (error as { code?: unknown }).code ?? null },
          'sign-in link refused: its limit could not be checked',
        );
        throw new UnavailableError(
          SIGN_IN_UNAVAILABLE_RETRY_SECONDS,
          `Sign-in links cannot be sent for a moment; ask again in ${waitText(SIGN_IN_UNAVAILABLE_RETRY_SECONDS)}`,
          error,
        );
      }
      const { taken, waitMs } = answer;
      if (!taken) {
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        throw new RateLimitedError(
          retryAfter,
          `Too many sign-in links were asked for this address; ask again in ${waitText(retryAfter)}`,
        );
      }
      // Started on the event loop's next turn, once the answer went out: not even the person's lookup
      // runs before it.
      const mailing = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => mailLink(address, now))
        .finally(() => pending.delete(mailing));
      pending.add(mailing);
    },

    /**
     * Resolves once every link asked for so far has been mailed or has failed (a send gives up after
     * 30 s): the engine's stop waits on it before it closes the channels and the database.
     */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
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
