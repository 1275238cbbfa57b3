import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPlan } from '../store/query-plan.js';
import { openStore, type Store } from '../store/store.js';
import { deliveryLedIds } from './history.js';

describe('what a filtered history reads', () => {
  let store: Store;
  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
  });
  afterAll(() => store?.close());

  const filters = [
    {},
    {
      type: 'issue_alert',
      channel: 'email',
      status: 'sent',
      from: 1,
      to: 2,
      projectId: 'prj_1',
      issueId: 'iss_1',
      ruleId: 'rul_1',
    },
  ];

  it("reads one recipient's deliveries newest first, not every notification, whatever the filters", async () => {
    for (const filter of filters) {
      for (const scope of [{}, { orgId: 'org_1' }]) {
        const steps = await queryPlan(
          store.db,
          deliveryLedIds(
            store.db,
            { recipientType: 'user', recipientId: 'usr_1' },
            { ...filter, ...scope },
            {
              cursor: 'ntf_9',
              limit: 50,
            },
          ),
        );
        expect(steps[0]).toMatch(
          /^SEARCH deliveries USING (COVERING )?INDEX deliveries_recipient \(recipient_type=\? AND recipient_id=\? AND notification_id<\?\)/,
        );
        expect(steps[1]).toMatch(
          /^SEARCH notifications USING (COVERING )?(INDEX \S+|PRIMARY KEY) \((\w+=\? AND )?id=\?\)/,
        );
        // In the index's order: no sort of everything the recipient was sent.
        expect(steps.filter((s) => s.includes('TEMP B-TREE'))).toEqual([]);
      }
    }
  });

  it("reads an organization's deliveries of a status off the way out newest first, whatever the filters", async () => {
    for (const filter of filters) {
      for (const status of ['failed', 'dead', 'suppressed', 'opened']) {
        const steps = await queryPlan(
          store.db,
          deliveryLedIds(store.db, { orgId: 'org_1', status }, filter, { cursor: 'ntf_9', limit: 50 }),
        );
        expect(steps[0]).toMatch(
          /^SEARCH deliveries USING (COVERING )?INDEX deliveries_status_history \(org_id=\? AND status=\? AND notification_id<\?\)/,
        );
        expect(steps[1]).toMatch(
          /^SEARCH notifications USING (COVERING )?(INDEX \S+|PRIMARY KEY) \((\w+=\? AND )?id=\?\)/,
        );
        expect(steps.filter((s) => s.includes('TEMP B-TREE'))).toEqual([]);
      }
    }
  });
});
