import type { HeraldEvent } from '../../events/event.js';
import type { FilterImplementation } from '../condition.js';
import { tagValues } from '../event-view.js';

/** Passes when the event comes from the project's latest release; with no release known, never. */
export const latestRelease: FilterImplementation<'latest_release'> = {
  id: 'latest_release',
  kind: 'filter',
  // The latest release may have to be read: after the filters that need nothing read.
  async: true,
  compile: () => (input) => {
    const latest = input.latestRelease;
    if (typeof latest !== 'function') return isFrom(input.event, latest);
    return latest().then((release) => isFrom(input.event, release));
  },
};

function isFrom(event: HeraldEvent, release: string | null): boolean {
  if (release === null) return false;
  const latest = release.toLowerCase();
  return event.release?.toLowerCase() === latest || tagValues(event, 'release').includes(latest);
}
