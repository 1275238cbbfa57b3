import type { FilterImplementation } from '../condition.js';

/** Passes when the issue is of the category named (`error`, `performance`, …). */
export const issueCategory: FilterImplementation<'issue_category'> = {
  id: 'issue_category',
  kind: 'filter',
  compile(node) {
    const value = node.value;
    return (input) => input.issue.category === value;
  },
};
