import { LEVEL_NUMBERS, type Level } from '../../events/event.js';
import type { FilterImplementation } from '../condition.js';
import { isNumeric } from '../rule-schema.js';

/** Compares the event's level with a threshold, by Sentry's numbers (debug 10 … fatal 50). */
export const levelFilter: FilterImplementation<'level'> = {
  id: 'level',
  kind: 'filter',
  compile(node) {
    const wanted = levelNumber(node.level);
    if (wanted === null) return () => false;
    switch (node.match) {
      case 'eq':
        return (input) => LEVEL_NUMBERS[input.event.level] === wanted;
      case 'gte':
        return (input) => LEVEL_NUMBERS[input.event.level] >= wanted;
      case 'lte':
        return (input) => LEVEL_NUMBERS[input.event.level] <= wanted;
    }
  },
};

/** The number of a level given by name (any case) or as its number in a string; null when unknown. */
export function levelNumber(level: string): number | null {
  if (isNumeric(level)) return Number(level);
  const name = level.toLowerCase();
  return Object.hasOwn(LEVEL_NUMBERS, name) ? LEVEL_NUMBERS[name as Level] : null;
}
