import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPlan } from '../store/query-plan.js';
import { openStore, type Store } from '../store/store.js';
import { myNotificationIds } from './history.js';

describe("what a person's history reads", () => {
  let store: Store;
  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
  });
  afterAll(() => store?.close());

  it("reads the person's own deliveries newest first, not every notification, whatever the filters", async () => {
    for (const filter of [{}, { type: 'issue_alert', channel: 'email', status: 'sent', from: 1, to: 2 }]) {
      const steps = await queryPlan(
        store.db,
        myNotificationIds(store.db, 'usr_1', filter, { cursor: 'ntf_9', limit: 50 }),
      );
      expect(steps[0]).toMatch(
        /^SEARCH deliveries USING (COVERING )?INDEX deliveries_recipient \(recipient_type=\? AND recipient_id=\? AND notification_id<\?\)/,
      );
      expect(steps[1]).toMatch(/^SEARCH notifications USING (COVERING )?(INDEX \S+|PRIMARY KEY) \(id=\?\)/);
      // In the index's order: no sort of everything the person was sent.
      expect(steps.filter((s) => s.includes('TEMP B-TREE'))).toEqual([]);
    }
  });
});
