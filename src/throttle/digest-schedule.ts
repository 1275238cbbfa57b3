/**
 * When a digest is due, Sentry's way. The first notification for a key goes out at once; later ones
 * wait in a digest. Each addition moves the due time by `increment`, capped at `maximum` after the
 * key's last delivery; after a delivery the next digest waits at least `minimum`. Pure functions of
 * times in epoch ms, so the schedule is tested on a timeline without a database.
 */

/** A digest key's schedule. */
export interface DigestOptions {
  /** Least time between a delivery and the next digest. Default 5 min. */
  readonly minimumMs: number;
  /** Most time between a delivery and the next digest, however many additions. Default 30 min. */
  readonly maximumMs: number;
  /** How far each addition moves the due time. Default 30 s. */
  readonly incrementMs: number;
  /** Whether an alert about an issue the key has not heard of yet goes out at once (limits allowing). */
  readonly immediateNewIssues: boolean;
}

/** Sentry's defaults, plus Herald's prompt first alert of each new issue. */
export const DEFAULT_DIGEST_OPTIONS: DigestOptions = {
  minimumMs: 300_000,
  maximumMs: 1_800_000,
  incrementMs: 30_000,
  immediateNewIssues: true,
};

/** A chat action's window: one message per window listing the issues, the first at once. */
export function chatWindowOptions(windowSeconds: number): DigestOptions {
  const ms = windowSeconds * 1000;
  return { minimumMs: ms, maximumMs: ms, incrementMs: 0, immediateNewIssues: true };
}

/** Whether a notification for a key with no open digest may go out now rather than wait. */
export function sendsAtOnce(lastDeliveredAt: number | null, now: number, o: DigestOptions): boolean {
  return lastDeliveredAt === null || now >= lastDeliveredAt + o.minimumMs;
}

/**
 * The due time of a digest opened at `now`. Measured from the last delivery, or from `now` when the key
 * never delivered (a digest opened because the recipient was over their limit).
 */
export function openedDue(lastDeliveredAt: number | null, now: number, o: DigestOptions): number {
  const base = lastDeliveredAt ?? now;
  const earliest = Math.max(now + o.incrementMs, base + o.minimumMs);
  return Math.min(earliest, Math.max(base + o.maximumMs, now + o.incrementMs));
}

/** The due time after one more addition: later by `increment`, never past the cap, never earlier. */
export function extendedDue(
  due: number,
  lastDeliveredAt: number | null,
  openedAt: number,
  o: DigestOptions,
): number {
  const cap = (lastDeliveredAt ?? openedAt) + o.maximumMs;
  return Math.min(due + o.incrementMs, Math.max(cap, due));
}

/**
 * The due time of a digest of what waited for quiet hours to end, released at `now`: it has waited
 * already, so now, unless the key delivered less than `minimum` ago (quiet hours set right after a
 * delivery); then `minimum` after that delivery, as for any digest.
 */
export function releasedDue(lastDeliveredAt: number | null, now: number, o: DigestOptions): number {
  return lastDeliveredAt === null ? now : Math.max(now, lastDeliveredAt + o.minimumMs);
}
