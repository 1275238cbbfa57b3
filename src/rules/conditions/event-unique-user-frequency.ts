import type { ConditionImplementation } from '../condition.js';
import { frequencyPredicate } from './frequency-window.js';

/** Passes when more than `value` distinct users hit the issue in the interval (or grew by more than `value` %). */
export const eventUniqueUserFrequency: ConditionImplementation<'event_unique_user_frequency'> = {
  id: 'event_unique_user_frequency',
  kind: 'condition',
  async: true,
  compile: (node, rule) => frequencyPredicate(node, rule, 'users'),
};
