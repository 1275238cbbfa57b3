import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Channel } from '../delivery/channel.js';
import { inappChannel } from '../delivery/channels/inapp/inapp-channel.js';
import type { VapidKeys } from '../delivery/channels/push/push-content.js';
import { type PushSubscriptions, pushSubscriptions } from '../push/push-subscriptions.js';
import { loadVapidKeys, vapidSubject } from '../push/vapid-keys.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/store.js';
import type { TargetCheck } from '../tenancy/integrations.js';
import { type InboxBus, memoryInboxBus } from './inbox-bus.js';
import { type InboxStore, inboxStore } from './inbox-store.js';
import { postgresInboxBus } from './postgres-inbox-bus.js';

/** The API's view of the inbox and web push (part of `Services`). */
export interface InboxServices {
  readonly inbox: InboxStore;
  /** Where live streams listen for new messages. */
  readonly inboxBus: InboxBus;
  readonly pushSubscriptions: PushSubscriptions;
}

/** What {@link inboxServices} needs from the composition root. */
export interface InboxServicesDeps {
  readonly store: Store;
  /** The PostgreSQL URL of the store, for the bus's LISTEN connection; null on SQLite. */
  readonly databaseUrl: string | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly secrets: SecretBox;
  readonly publicUrl: () => string;
  readonly checkTarget: TargetCheck;
  /** A bus to use instead of the profile's (tests, embedding). */
  readonly bus?: InboxBus;
  /** Told the deliveries whose in-app messages were read for the first time. */
  readonly onRead?: (deliveryIds: readonly string[]) => Promise<void>;
}

/** The inbox, its bus, the in-app channel and web push identity, built once per process. */
export interface InboxStage {
  readonly services: InboxServices;
  /** The in-app channel; sends store the message and announce it on the bus. */
  readonly inapp: Channel;
  /** The installation's VAPID keys, for the push channel. */
  readonly vapid: VapidKeys;
  close(): Promise<void>;
}

/**
 * Builds the inbox stage. On PostgreSQL the bus is LISTEN/NOTIFY, so a message a worker process stores
 * reaches the streams an API process holds; on SQLite (one process) it stays in memory.
 */
export async function inboxServices(deps: InboxServicesDeps): Promise<InboxStage> {
  const { store, clock } = deps;
  const bus =
    deps.bus ??
    (store.dialect === 'postgres' && deps.databaseUrl
      ? await postgresInboxBus({ db: store.db, connectionString: deps.databaseUrl, logger: deps.logger })
      : memoryInboxBus());
  const vapid = await loadVapidKeys({
    db: store.db,
    secrets: deps.secrets,
    subject: vapidSubject(deps.publicUrl()),
  });
  const inapp = inappChannel({
    db: store.db,
    clock,
    onMessage: (userId, message) => bus.publish(userId, message),
  });
  return {
    services: {
      inbox: inboxStore({ db: store.db, clock, ...(deps.onRead ? { onRead: deps.onRead } : {}) }),
      inboxBus: bus,
      pushSubscriptions: pushSubscriptions({
        db: store.db,
        clock,
        checkTarget: deps.checkTarget,
        vapidPublicKey: vapid.publicKey,
      }),
    },
    inapp,
    vapid,
    close: () => bus.close(),
  };
}
