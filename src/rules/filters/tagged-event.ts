import type { FilterImplementation } from '../condition.js';
import { normalizeTagKey, tagValues } from '../event-view.js';
import { compileMatch } from '../match.js';

/**
 * Matches the values of one tag. A key may repeat, so positive operators pass when any value matches and
 * negated ones when none does; `is`/`ns` ask only whether the key is there.
 */
export const taggedEvent: FilterImplementation<'tagged_event'> = {
  id: 'tagged_event',
  kind: 'filter',
  compile(node) {
    const key = normalizeTagKey(node.key);
    const test = compileMatch(node.match, node.value);
    return (input) => test(tagValues(input.event, key));
  },
};
