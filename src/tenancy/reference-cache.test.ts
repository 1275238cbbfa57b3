import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.js';
import { openStore, type Store } from '../store/store.js';
import { throttleSettings } from '../throttle/throttle-settings.js';
import { type ReferenceCache, referenceCache } from './reference-cache.js';
import { insertOrgAndProject } from './test-fixtures.js';

const T0 = Date.parse('2026-03-02T09:00:00Z');

describe('reference cache', () => {
  let store: Store;
  let references: ReferenceCache;
  beforeAll(async () => {
    store = openStore({ databaseUrl: null, dataDir: '.', sqliteFile: ':memory:' });
    await store.migrate();
    await insertOrgAndProject(store.db, {
      orgId: 'org_1',
      orgSlug: 'acme',
      orgName: 'Acme',
      projectId: 'prj_1',
      projectSlug: 'api',
      projectName: 'API',
      at: T0,
    });
    references = referenceCache(store.db);
  });
  afterAll(() => store?.close());

  const rename = (name: string) =>
    store.db.updateTable('organizations').set({ name }).where('id', '=', 'org_1').execute();

  it('keeps a row until it is forgotten', async () => {
    expect(await references.organization('org_1')).toMatchObject({ slug: 'acme', name: 'Acme' });
    await rename('Acme Corp');
    // Written behind its back (as by another process): the kept row is answered until it expires.
    expect((await references.organization('org_1'))?.name).toBe('Acme');
    references.forgetOrganization('org_1');
    expect((await references.organization('org_1'))?.name).toBe('Acme Corp');
    expect(await references.organization('org_nope')).toBeUndefined();
  });

  it('reads in a transaction rather than wait for a load that waits for that transaction', async () => {
    references.forgetOrganization('org_1');
    let outside: Promise<unknown> = Promise.resolve();
    const inside = await store.db.transaction().execute(async (trx) => {
      // On SQLite this load waits for the connection the transaction holds: it cannot be waited on here.
      outside = references.organization('org_1');
      return references.organization('org_1', trx);
    });
    expect(inside?.slug).toBe('acme');
    expect(await outside).toMatchObject({ slug: 'acme' });
    // Once arrived, the kept row is answered in a transaction too.
    await rename('Acme Inc');
    const kept = await store.db.transaction().execute((trx) => references.organization('org_1', trx));
    expect(kept?.name).toBe('Acme Corp');
  });

  it('lets the throttle settings it serves see their own changes at once, in a transaction too', async () => {
    const settings = throttleSettings({ db: store.db, clock: manualClock(T0), references });
    const inTransaction = () =>
      store.db.transaction().execute(async (trx) => ({
        limits: await settings.limits('org_1', trx),
        digests: await settings.digestOptions('prj_1', trx),
      }));
    expect((await settings.limits('org_1')).overrides).toEqual({});
    expect((await settings.digestInput('prj_1')).minimumDelay).toBe(300);
    await settings.setLimits('org_1', { limits: { webhook: { limit: 1, windowSeconds: 60 } } });
    await settings.setDigestOptions('prj_1', {
      minimumDelay: 120,
      maximumDelay: 600,
      immediateNewIssues: false,
    });
    const seen = await inTransaction();
    expect(seen.limits.limits.webhook).toEqual({ limit: 1, windowSeconds: 60 });
    expect(seen.digests).toMatchObject({ minimumMs: 120_000, maximumMs: 600_000, immediateNewIssues: false });
  });

  it('lists an organization’s integrations oldest first and forgets them on request', async () => {
    expect(await references.integrations('org_1')).toEqual([]);
    await store.db
      .insertInto('integrations')
      .values({
        id: 'int_1',
        org_id: 'org_1',
        provider: 'email',
        name: 'Mail',
        config: '{}',
        secrets: '',
        status: 'active',
        disabled_reason: null,
        created_at: T0,
        updated_at: T0,
      })
      .execute();
    expect(await references.integrations('org_1')).toEqual([]);
    references.forgetIntegrations('org_1');
    expect(await references.integrations('org_1')).toEqual([
      { id: 'int_1', provider: 'email', status: 'active' },
    ]);
  });
});
