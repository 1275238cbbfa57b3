import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { installationKey } from '../../src/security/key-check.js';
import { secretBox } from '../../src/security/secret-box.js';
import { writeInstanceSetting } from '../../src/store/instance-settings.js';
import { openStore, type Store } from '../../src/store/store.js';
import { TEST_DATABASE_URL } from '../helpers/profile.js';
import { createTestDatabase, type TestDatabase } from '../helpers/store.js';

const KEY_A = 'key-a-0123456789abcdef0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef0123456789abcdef';

/** The problem a refused start reports, or null when it started. */
async function refusal(start: Promise<unknown>): Promise<{ path: string; message: string } | null> {
  try {
    await start;
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details[0] ?? null;
  }
}

const folder = () => mkdtempSync(join(tmpdir(), 'herald-key-'));

describe('the installation key every process must share', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await database.open();
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('lets every process with the first key start, and refuses one with another, naming HERALD_SECRET_KEY', async () => {
    const first = await installationKey(store.db, KEY_A, folder());
    const sealed = first.box.seal('a webhook signing secret');
    const again = await installationKey(store.db, KEY_A, folder());
    expect(again.box.open(sealed)).toBe('a webhook signing secret');

    const wrong = await refusal(installationKey(store.db, KEY_B, folder()));
    expect(wrong).toEqual({
      path: 'HERALD_SECRET_KEY',
      message: expect.stringContaining('does not open the secrets this database holds'),
    });
  });

  it('refuses a process with no key before it generates one of its own into its data folder', async () => {
    const empty = folder();
    const missing = await refusal(installationKey(store.db, null, empty));
    expect(missing).toEqual({ path: 'HERALD_SECRET_KEY', message: expect.stringContaining('is not set') });
    expect(existsSync(join(empty, 'secret.key'))).toBe(false);

    // The key copied into the data folder is as good as the variable; another one there is not.
    const copied = folder();
    writeFileSync(join(copied, 'secret.key'), `${KEY_A}\n`);
    await expect(installationKey(store.db, null, copied)).resolves.toMatchObject({ key: KEY_A });
    const other = folder();
    writeFileSync(join(other, 'secret.key'), `${KEY_B}\n`);
    expect(await refusal(installationKey(store.db, null, other))).toEqual({
      path: 'HERALD_SECRET_KEY',
      message: expect.stringContaining('secret.key does not open'),
    });
  });

  it('recognises the key of a database sealed before the check existed by its VAPID key', async () => {
    const older = await createTestDatabase();
    const olderStore = await older.open();
    try {
      await writeInstanceSetting(
        olderStore.db,
        'vapid_keys',
        JSON.stringify({ publicKey: 'BPublic', privateKey: secretBox(KEY_A).seal('private') }),
      );
      expect(await refusal(installationKey(olderStore.db, KEY_B, folder()))).toMatchObject({
        path: 'HERALD_SECRET_KEY',
      });
      await expect(installationKey(olderStore.db, KEY_A, folder())).resolves.toMatchObject({ key: KEY_A });
    } finally {
      await olderStore.close();
      await older.drop();
    }
  });
});

describe('a PostgreSQL server that cannot be used', () => {
  it('names HERALD_DATABASE_URL when nothing listens there', async () => {
    const dataDir = folder();
    const closed = openStore({ databaseUrl: 'postgres://herald:s3cret-pw@127.0.0.1:1/herald', dataDir });
    try {
      const problem = await refusal(closed.migrate());
      expect(problem).toEqual({
        path: 'HERALD_DATABASE_URL',
        message: expect.stringContaining('cannot connect'),
      });
      expect(problem?.message).not.toContain('s3cret-pw');
    } finally {
      await closed.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says to create the schema its search_path names when none exists', async () => {
    const dataDir = folder();
    const url = `${TEST_DATABASE_URL}?options=${encodeURIComponent('-c search_path=herald_absent_schema')}`;
    const absent = openStore({ databaseUrl: url, dataDir });
    try {
      expect(await refusal(absent.migrate())).toEqual({
        path: 'HERALD_DATABASE_URL',
        message: expect.stringContaining('create the schema first'),
      });
    } finally {
      await absent.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
