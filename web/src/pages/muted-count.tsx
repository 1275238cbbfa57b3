import type { ReactNode } from 'react';
import { formatTime, relativeTime } from '../ui';

/** What a silence or an inhibit rule has muted, as the API answers it with each. */
export interface MuteCount {
  /** Events it kept from the alert rules (written by the pipeline within a second or so). */
  readonly mutedEvents: number;
  /** When it last muted one; null until it has. */
  readonly lastMutedAt: string | null;
}

/**
 * Whether a silence or an inhibit rule is working: "Muted 42 events, last 3 min. ago", or "Has muted
 * nothing yet". The exact time of the last one is in the tooltip.
 */
export function MutedCount(props: { of: MuteCount }): ReactNode {
  const { mutedEvents, lastMutedAt } = props.of;
  if (mutedEvents === 0 || lastMutedAt === null)
    return (
      <p className="muted small" data-testid="muted-count">
        Has muted nothing yet
      </p>
    );
  return (
    <p className="muted small" data-testid="muted-count">
      Muted {mutedEvents.toLocaleString()} {mutedEvents === 1 ? 'event' : 'events'}, last{' '}
      <time dateTime={lastMutedAt} title={formatTime(lastMutedAt)}>
        {relativeTime(lastMutedAt)}
      </time>
    </p>
  );
}
