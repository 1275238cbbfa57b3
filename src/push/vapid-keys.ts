import type { Kysely } from 'kysely';
import webpush from 'web-push';
import type { VapidKeys } from '../delivery/channels/push/push-content.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Database } from '../store/schema.js';

const SETTING = 'vapid_keys';

/** The stored form: the public key in clear (browsers need it), the private key sealed. */
interface StoredVapid {
  readonly publicKey: string;
  readonly privateKey: string;
}

/**
 * The VAPID contact push services see: the public URL when it is a reachable https site, else a mailto
 * on its host (push services refuse http and localhost subjects).
 */
export function vapidSubject(publicUrl: string): string {
  const url = new URL(publicUrl);
  if (url.protocol === 'https:' && url.hostname !== 'localhost') return url.origin;
  const host = /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(url.hostname) ? url.hostname : 'herald.invalid';
  return `mailto:webpush@${host}`;
}

/**
 * The installation's VAPID key pair, generated on first use and kept in `instance_settings` with the
 * private key sealed. Processes starting together may both generate; the first write wins and everyone
 * reads it back, so a browser's subscription never meets a second key.
 */
export async function loadVapidKeys(deps: {
  readonly db: Kysely<Database>;
  readonly secrets: SecretBox;
  readonly subject: string;
}): Promise<VapidKeys> {
  const { db, secrets } = deps;
  const read = () =>
    db.selectFrom('instance_settings').select('value').where('key', '=', SETTING).executeTakeFirst();
  let row = await read();
  if (!row) {
    const fresh = webpush.generateVAPIDKeys();
    const value = JSON.stringify({
      publicKey: fresh.publicKey,
      privateKey: secrets.seal(fresh.privateKey),
    } satisfies StoredVapid);
    await db
      .insertInto('instance_settings')
      .values({ key: SETTING, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    row = await read();
  }
  if (!row) throw new Error('VAPID keys could not be stored');
  const stored = JSON.parse(row.value) as StoredVapid;
  return { subject: deps.subject, publicKey: stored.publicKey, privateKey: secrets.open(stored.privateKey) };
}
