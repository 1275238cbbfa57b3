import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { type OwnershipStore, ownershipStore } from '../recipients/ownership-store.js';
import { type Recipients, recipients } from '../recipients/resolve.js';
import { type Subscriptions, subscriptions } from '../recipients/subscriptions.js';
import type { Database } from '../store/schema.js';
import {
  type HeldOnChange,
  type NotificationSettings,
  notificationSettings,
} from './notification-settings.js';
import { type Releases, releases } from './releases.js';
import { type UnsubscribeLinks, unsubscribeKey, unsubscribeLinks } from './unsubscribe.js';
import { type UserTokens, userTokens } from './user-tokens.js';

/** The services about people: tokens, preferences, ownership, subscriptions, releases, recipients. */
export interface PeopleServices {
  readonly userTokens: UserTokens;
  readonly notificationSettings: NotificationSettings;
  readonly ownership: OwnershipStore;
  readonly subscriptions: Subscriptions;
  readonly releases: Releases;
  readonly recipients: Recipients;
  readonly unsubscribe: UnsubscribeLinks;
}

/** What the people services need from the composition root. */
export interface PeopleDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** The installation's secret key; unsubscribe links are signed with a key derived from it. */
  readonly secretKey: string;
  /** Decides again what waits for people whose settings change, in the change's transaction. */
  readonly heldOnChange: HeldOnChange;
  readonly onJobsCommitted: (ids: string[]) => void;
}

/** Builds the people services over one database. */
export function peopleServices(deps: PeopleDeps): PeopleServices {
  const { db, clock } = deps;
  const settings = notificationSettings({
    db,
    clock,
    heldOnChange: deps.heldOnChange,
    onJobsCommitted: deps.onJobsCommitted,
  });
  const ownership = ownershipStore({ db, clock });
  return {
    userTokens: userTokens({ db, clock }),
    notificationSettings: settings,
    ownership,
    subscriptions: subscriptions({
      db,
      clock,
      heldOnChange: deps.heldOnChange,
      onJobsCommitted: deps.onJobsCommitted,
    }),
    releases: releases({ db, clock, onJobsCommitted: deps.onJobsCommitted }),
    recipients: recipients({ db, ownership }),
    unsubscribe: unsubscribeLinks({ db, key: unsubscribeKey(deps.secretKey), settings }),
  };
}
