import type { FilterImplementation } from '../condition.js';
import { tagValues } from '../event-view.js';

/** Passes when the event comes from the project's latest release; with no release known, never. */
export const latestRelease: FilterImplementation<'latest_release'> = {
  id: 'latest_release',
  kind: 'filter',
  compile: () => (input) => {
    if (input.latestRelease === null) return false;
    const latest = input.latestRelease.toLowerCase();
    return (
      input.event.release?.toLowerCase() === latest || tagValues(input.event, 'release').includes(latest)
    );
  },
};
