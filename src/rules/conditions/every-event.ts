import type { ConditionImplementation } from '../condition.js';

/** Passes on every event, so the filters alone decide. */
export const everyEvent: ConditionImplementation<'every_event'> = {
  id: 'every_event',
  kind: 'condition',
  compile: () => () => true,
};
