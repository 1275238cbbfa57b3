import type { ConditionImplementation } from '../condition.js';

/** Passes when the event brought a resolved issue back (resolved → unresolved). */
export const regressionEvent: ConditionImplementation<'regression_event'> = {
  id: 'regression_event',
  kind: 'condition',
  compile: () => (input) => input.outcome.isRegression,
};
