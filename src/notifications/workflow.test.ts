import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryPlan } from '../store/query-plan.js';
import { openStore, type Store } from '../store/store.js';
import { toldOfQuery } from './workflow.js';

describe('what a resolution reads', () => {
  let store: Store;
  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
  });
  afterAll(() => store?.close());

  it("reads the webhooks told of an issue from the issue's notifications, not from every delivery", async () => {
    const steps = await queryPlan(store.db, toldOfQuery(store.db, 'iss_1'));
    expect(steps[0]).toMatch(
      /^SEARCH notifications USING (COVERING )?INDEX notifications_issue \(issue_id=\?\)/,
    );
    expect(steps[1]).toMatch(/^SEARCH deliveries USING INDEX \S+ \(notification_id=\?/);
  });
});
