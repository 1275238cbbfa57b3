import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SettingType } from '../preferences/setting-schema.js';
import {
  signUnsubscribeToken,
  type UnsubscribePayload,
  unsubscribeSettingRow,
  verifyUnsubscribeToken,
} from '../preferences/unsubscribe-token.js';
import type { Database } from '../store/schema.js';
import type { NotificationSettings } from './notification-settings.js';

/**
 * The key unsubscribe links are signed with, derived from the installation's secret key so that a link
 * says nothing about that key and a MAC made for another use never verifies here.
 */
export function unsubscribeKey(secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update('herald/unsubscribe-links/v1').digest();
}

/** The one-click link for an email (`List-Unsubscribe`): `<baseUrl>/unsubscribe?token=…`. */
export function unsubscribeUrl(baseUrl: string, payload: UnsubscribePayload, key: Uint8Array): string {
  const url = new URL('unsubscribe', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('token', signUnsubscribeToken(payload, key));
  return url.toString();
}

/** What a valid link stands for, in words a confirmation page can show. */
export interface UnsubscribeTarget {
  readonly payload: UnsubscribePayload;
  readonly type: SettingType;
  readonly organization: string;
  readonly project: string | null;
}

/** Checks and applies one-click unsubscribe links. */
export function unsubscribeLinks(deps: {
  readonly db: Kysely<Database>;
  readonly key: Uint8Array;
  readonly settings: NotificationSettings;
}) {
  const { db, key } = deps;

  /** The target of a token, or null when it is tampered, foreign, or names what no longer exists. */
  async function check(token: unknown): Promise<UnsubscribeTarget | null> {
    const result = verifyUnsubscribeToken(token, key);
    if (!result.ok) return null;
    const { payload } = result;
    const member = await db
      .selectFrom('members')
      .innerJoin('organizations', 'organizations.id', 'members.org_id')
      .select('organizations.name')
      .where('members.org_id', '=', payload.orgId)
      .where('members.user_id', '=', payload.userId)
      .executeTakeFirst();
    if (!member) return null;
    let project: string | null = null;
    if (payload.projectId !== null) {
      const row = await db
        .selectFrom('projects')
        .select('name')
        .where('id', '=', payload.projectId)
        .where('org_id', '=', payload.orgId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) return null;
      project = row.name;
    }
    return { payload, type: payload.type, organization: member.name, project };
  }

  return {
    check,

    /** A signed link for an email to `payload.userId`, under `baseUrl`. */
    unsubscribeUrl(baseUrl: string, payload: UnsubscribePayload): string {
      return unsubscribeUrl(baseUrl, payload, key);
    },

    /** Applies a link: the person's emails of that category, there, become `never`. Null when invalid. */
    async apply(token: unknown): Promise<UnsubscribeTarget | null> {
      const target = await check(token);
      if (target === null) return null;
      await deps.settings.applyRow(unsubscribeSettingRow(target.payload));
      return target;
    },
  };
}

/** The unsubscribe links service. */
export type UnsubscribeLinks = ReturnType<typeof unsubscribeLinks>;
