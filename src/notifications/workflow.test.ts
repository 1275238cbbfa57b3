import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    const { sql, parameters } = toldOfQuery(store.db, 'iss_1').compile();
    const plan = await store.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
    );
    const steps = plan.rows.map((row) => row.detail);
    expect(steps[0]).toMatch(
      /^SEARCH notifications USING (COVERING )?INDEX notifications_issue \(issue_id=\?\)/,
    );
    expect(steps[1]).toMatch(/^SEARCH deliveries USING INDEX \S+ \(notification_id=\?/);
  });
});
