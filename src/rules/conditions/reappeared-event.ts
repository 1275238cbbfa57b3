import type { ConditionImplementation } from '../condition.js';

/** Passes when the event brought an ignored issue back (ignored → unresolved). */
export const reappearedEvent: ConditionImplementation<'reappeared_event'> = {
  id: 'reappeared_event',
  kind: 'condition',
  compile: () => (input) => input.outcome.isReappeared,
};
