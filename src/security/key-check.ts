import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { ValidationError } from '../errors.js';
import { readInstanceSetting } from '../store/instance-settings.js';
import type { Database } from '../store/schema.js';
import { loadSecretKey } from './keys.js';
import { type SecretBox, secretBox } from './secret-box.js';

/** The `instance_settings` key of a value sealed with the installation's key, to recognise it by. */
const KEY_CHECK = 'secret_key_check';
/** A value sealed before the check existed (VAPID's private key), to recognise the key of older databases. */
const VAPID_KEYS = 'vapid_keys';

const wrongKey = (message: string) => new ValidationError([{ path: 'HERALD_SECRET_KEY', message }]);

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

/**
 * The installation's secret key, checked against the database before anything is sealed or opened with
 * it. Every process of an installation must hold the key its secrets were sealed with; a process given
 * another (a worker started without HERALD_SECRET_KEY, or with a typo) would otherwise fail deep inside
 * the first decryption with "unable to authenticate data", or seal new secrets no other process can
 * open. The first process to start seals a known value into `instance_settings`; later ones must open
 * it. A process with no key at all for a database that has one is refused before it generates a key of
 * its own into its data folder.
 */
export async function installationKey(
  db: Kysely<Database>,
  configured: string | null,
  dataDir: string,
): Promise<{ key: string; generated: boolean; box: SecretBox }> {
  const check = await readInstanceSetting(db, KEY_CHECK);
  const vapid = check === null ? await readInstanceSetting(db, VAPID_KEYS) : null;
  const sealedBefore =
    check ?? (vapid === null ? null : (JSON.parse(vapid) as { privateKey: string }).privateKey);
  if (sealedBefore !== null && !configured && !existsSync(join(dataDir, 'secret.key'))) {
    throw wrongKey(
      `is not set, and this database holds secrets sealed with a key: set it to the key the other processes use (or put that key in ${join(dataDir, 'secret.key')})`,
    );
  }
  const secret = loadSecretKey(configured, dataDir);
  const box = secretBox(secret.key);
  if (sealedBefore !== null && !opens(box, sealedBefore)) {
    throw wrongKey(
      `${configured ? 'does not open' : `is not set, and the key in ${join(dataDir, 'secret.key')} does not open`} the secrets this database holds: every process of an installation must use the key they were sealed with`,
    );
  }
  if (check === null) {
    await db
      .insertInto('instance_settings')
      .values({ key: KEY_CHECK, value: box.seal('herald') })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    // Two processes starting at once with different keys: the one whose check was not written loses.
    const written = await readInstanceSetting(db, KEY_CHECK);
    if (written === null || !opens(box, written)) {
      throw wrongKey('does not open the secrets this database holds: every process must use one key');
    }
  }
  return { ...secret, box };
}
