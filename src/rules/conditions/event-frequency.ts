import type { ConditionImplementation } from '../condition.js';
import { frequencyPredicate } from './frequency-window.js';

/** Passes when the issue saw more than `value` events in the interval (or grew by more than `value` %). */
export const eventFrequency: ConditionImplementation<'event_frequency'> = {
  id: 'event_frequency',
  kind: 'condition',
  async: true,
  compile: (node, rule) => frequencyPredicate(node, rule, 'events'),
};
