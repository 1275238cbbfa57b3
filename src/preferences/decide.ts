import { type QuietWindow, quietUntil } from './quiet-hours.js';
import type { SettingValue } from './setting-schema.js';
import { isSnoozed, type SnoozeUntil } from './snooze.js';

/**
 * Why the preferences stage drops a message; the history shows it as `suppressed` with this reason.
 * `unsubscribed`: a held workflow message whose person stopped following its issue while it waited
 * (throttle/decide-again.ts); fan-out never makes one, as it leaves such a person out.
 */
export const SUPPRESS_REASONS = ['preference', 'snoozed', 'unsubscribed'] as const;

/** One of {@link SUPPRESS_REASONS}. */
export type SuppressReason = (typeof SUPPRESS_REASONS)[number];

/** What becomes of one message on one channel; `defer` (quiet hours) waits until `until`, epoch ms. */
export type Decision =
  | { readonly kind: 'send' }
  | { readonly kind: 'suppress'; readonly reason: SuppressReason }
  | { readonly kind: 'defer'; readonly until: number };

/** Everything the decision needs about one recipient × channel; the pipeline gathers it. */
export interface DecisionInput {
  /** The value {@link resolveSetting} gave for the notification's category on this channel. */
  readonly value: SettingValue;
  /** The notification type is critical (its registry entry says so). */
  readonly critical: boolean;
  /** The person is subscribed to the issue; consulted for `subscribe_only`. */
  readonly subscribed: boolean;
  /** The person authored a commit of the release; consulted for `committed_only`. */
  readonly committed: boolean;
  /** The person's quiet-hour windows, read in `timeZone`. */
  readonly quietWindows: readonly QuietWindow[];
  /** The person's IANA time zone. */
  readonly timeZone: string;
  /** The person's snooze-all, or null. */
  readonly snoozedUntil: SnoozeUntil;
  readonly now: number;
}

/**
 * Decides one recipient × channel. Checks run from the most lasting reason to the most passing one, so
 * the history names the reason the person would change: preference, then snooze, then quiet hours.
 *
 * Critical messages bypass quiet hours and nothing else (DESIGN §6 grants only that). Quiet hours are a
 * standing routine that something urgent may break; a snooze is an explicit "all", chosen for a bounded
 * time, and a `never` is a standing choice about the category, so both hold for critical messages too.
 */
export function decideDelivery(input: DecisionInput): Decision {
  if (!wanted(input)) return { kind: 'suppress', reason: 'preference' };
  if (isSnoozed(input.snoozedUntil, input.now)) return { kind: 'suppress', reason: 'snoozed' };
  if (input.critical) return { kind: 'send' };
  const until = quietUntil(input.quietWindows, input.timeZone, input.now);
  return until === null ? { kind: 'send' } : { kind: 'defer', until };
}

function wanted(input: DecisionInput): boolean {
  switch (input.value) {
    case 'always':
      return true;
    case 'never':
      return false;
    case 'subscribe_only':
      return input.subscribed;
    case 'committed_only':
      return input.committed;
  }
}
