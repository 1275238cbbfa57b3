import type { IssueTable } from '../store/schema.js';

/** An issue row as the store holds it: an unresolved error issue seen once, at 0; `fields` override. */
export function issueRow(fields: Partial<IssueTable> = {}): IssueTable {
  return {
    id: 'iss_1',
    org_id: 'org_1',
    project_id: 'prj_1',
    fingerprint: 'f',
    title: 'TypeError',
    culprit: 'cart.ts',
    level: 'error',
    category: 'error',
    status: 'unresolved',
    ignore_until: null,
    ignore_count: null,
    ignore_times_seen: null,
    ignore_user_count: null,
    ignore_users_seen: null,
    resolved_at: null,
    first_seen: 0,
    last_seen: 0,
    times_seen: 1,
    users_seen: 0,
    assignee_type: null,
    assignee_id: null,
    priority: 'high',
    last_event_id: null,
    updated_at: 0,
    ...fields,
  };
}
