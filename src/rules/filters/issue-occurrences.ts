import type { FilterImplementation } from '../condition.js';

/** Passes once the issue has been seen at least `value` times, the event being evaluated included. */
export const issueOccurrences: FilterImplementation<'issue_occurrences'> = {
  id: 'issue_occurrences',
  kind: 'filter',
  compile(node) {
    const value = node.value;
    return (input) => input.issue.timesSeen >= value;
  },
};
