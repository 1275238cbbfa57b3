import type { IssueStatus, Level } from './event.js';

/** The part of an issue the status machine looks at. */
export interface IssueStatusState {
  readonly status: IssueStatus;
  readonly ignoreUntil: number | null;
  readonly ignoreCount: number | null;
  readonly ignoreTimesSeen: number | null;
  readonly ignoreUserCount: number | null;
  readonly ignoreUsersSeen: number | null;
}

/** What a new event does to an issue's status. */
export interface StatusTransition {
  readonly status: IssueStatus;
  /** resolved → unresolved. */
  readonly isRegression: boolean;
  /** ignored → unresolved, because the ignore condition passed. */
  readonly isReappeared: boolean;
  /** The ignore conditions and resolution time are cleared. */
  readonly reset: boolean;
}

/** Where the issue's counters stand once the new event is counted. */
export interface CountsAfterEvent {
  /** When the event arrived, epoch ms. */
  readonly now: number;
  readonly timesSeen: number;
  readonly usersSeen: number;
}

/**
 * The status machine of an issue receiving an event, as in Sentry: a resolved issue regresses; an ignored
 * issue reappears once one of its conditions passed (its time came, or N more events or users were seen
 * since it was ignored) and stays ignored otherwise, forever when it has no condition.
 */
export function statusAfterEvent(state: IssueStatusState, counts: CountsAfterEvent): StatusTransition {
  if (state.status === 'resolved')
    return { status: 'unresolved', isRegression: true, isReappeared: false, reset: true };
  if (state.status === 'ignored' && ignoreConditionPassed(state, counts))
    return { status: 'unresolved', isRegression: false, isReappeared: true, reset: true };
  return { status: state.status, isRegression: false, isReappeared: false, reset: false };
}

/** True when an ignored issue's time, event-count or user-count condition has been reached. */
export function ignoreConditionPassed(state: IssueStatusState, counts: CountsAfterEvent): boolean {
  if (state.ignoreUntil !== null && counts.now >= state.ignoreUntil) return true;
  if (state.ignoreCount !== null && counts.timesSeen - (state.ignoreTimesSeen ?? 0) >= state.ignoreCount)
    return true;
  if (
    state.ignoreUserCount !== null &&
    counts.usersSeen - (state.ignoreUsersSeen ?? 0) >= state.ignoreUserCount
  )
    return true;
  return false;
}

/** Issue priorities, highest first. */
export const PRIORITIES = ['high', 'medium', 'low'] as const;

/** One of {@link PRIORITIES}. */
export type Priority = (typeof PRIORITIES)[number];

/** A new issue's priority from its first event's level, as Sentry derives it. */
export function initialPriority(level: Level): Priority {
  if (level === 'fatal' || level === 'error') return 'high';
  return level === 'warning' ? 'medium' : 'low';
}
