import type { FilterImplementation } from '../condition.js';

/** Passes when the issue is unassigned, or assigned to the named team or member. */
export const assignedTo: FilterImplementation<'assigned_to'> = {
  id: 'assigned_to',
  kind: 'filter',
  compile(node) {
    if (node.targetType === 'Unassigned') return (input) => input.issue.assignee === null;
    const type = node.targetType === 'Team' ? 'team' : 'user';
    const id = node.targetIdentifier;
    if (id === undefined) return () => false;
    return (input) => input.issue.assignee?.type === type && input.issue.assignee.id === id;
  },
};
