import type { Selectable } from 'kysely';
import { NotFoundError } from '../errors.js';
import { newId, newToken } from '../ids.js';
import { authenticateUserToken, TOUCH_INTERVAL_MS, USER_TOKEN_PREFIX } from '../people/user-tokens.js';
import { hashToken } from '../security/secret-box.js';
import { readInstanceSetting, writeInstanceSetting } from '../store/instance-settings.js';
import type { ApiKeyTable } from '../store/schema.js';
import { iso, type Principal, type TenancyDeps } from './context.js';

/** An API key as listed: never the token itself. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

const ADMIN_TOKEN_SETTING = 'admin_token_hash';

/**
 * How long a resolved admin token or org key is trusted without asking the database again. Ingest
 * authenticates thousands of requests a second with the same few keys; the price is that a token rotated
 * by another process (`herald admin-token`) still works here for up to this long. Unknown tokens are
 * never remembered, so a new key or token works at once.
 */
const PRINCIPAL_CACHE_MS = 5_000;
const PRINCIPAL_CACHE_SIZE = 1000;

/** Org API keys and the admin token; only SHA-256 hashes are stored. */
export function apiKeys(deps: TenancyDeps & { readonly configuredAdminToken: string | null }) {
  const { db, clock } = deps;
  const configuredHash = deps.configuredAdminToken ? hashToken(deps.configuredAdminToken) : null;
  // By token (a hit costs no hash; only known tokens are kept); personal tokens are left out (they are
  // revoked elsewhere and mark their user active).
  const principals = new Map<string, { principal: Principal; until: number }>();

  return {
    /** Creates an org key; the token is in the answer once and never again. */
    async create(orgId: string, name: string): Promise<ApiKey & { token: string }> {
      const now = clock.now();
      const token = newToken('hrk');
      const row = {
        id: newId('key', now),
        org_id: orgId,
        name,
        token_hash: hashToken(token),
        prefix: token.slice(0, 8),
        created_at: now,
        last_used_at: null,
      };
      await db.insertInto('api_keys').values(row).execute();
      principals.clear();
      return { id: row.id, name, prefix: row.prefix, createdAt: iso(now), lastUsedAt: null, token };
    },

    async list(orgId: string): Promise<ApiKey[]> {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .execute();
      return rows.map(view);
    },

    /** Renames an org key (its token is unchanged). 404 for a key of another organization. */
    async rename(orgId: string, id: string, name: string): Promise<ApiKey> {
      const row = await db
        .updateTable('api_keys')
        .set({ name })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('API key');
      return view(row);
    },

    /**
     * Revokes an org key: it stops working at once in this process, and within PRINCIPAL_CACHE_MS in
     * the others that knew it. 404 for a key of another organization, as for a missing one.
     */
    async revoke(orgId: string, id: string): Promise<void> {
      const result = await db
        .deleteFrom('api_keys')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      principals.clear();
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('API key');
    },

    /** Who a bearer token belongs to, or null. */
    async authenticate(token: string): Promise<Principal | null> {
      const now = performance.now();
      const cached = principals.get(token);
      if (cached && cached.until > now) return cached.principal;
      const hash = hashToken(token);
      const remember = (principal: Principal) => {
        if (principals.size >= PRINCIPAL_CACHE_SIZE) principals.clear();
        principals.set(token, { principal, until: now + PRINCIPAL_CACHE_MS });
        return principal;
      };
      // Read on every miss, so a token rotated by `herald admin-token` applies to running servers within
      // PRINCIPAL_CACHE_MS.
      const adminHash = configuredHash ?? (await storedAdminHash());
      if (adminHash !== null && hash === adminHash) return remember({ kind: 'admin' });
      const key = await db
        .selectFrom('api_keys')
        .select(['id', 'org_id', 'last_used_at'])
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      if (key) {
        // Written on a miss of the cache, and then at most once a minute: the list says which keys are
        // still in use before one is revoked.
        const at = clock.now();
        if (key.last_used_at === null || at - Number(key.last_used_at) >= TOUCH_INTERVAL_MS)
          await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', key.id).execute();
        return remember({ kind: 'org', orgId: key.org_id, keyId: key.id });
      }
      return token.startsWith(`${USER_TOKEN_PREFIX}_`) ? authenticateUserToken(db, hash, clock.now()) : null;
    },

    /**
     * Makes sure an admin token exists: the configured one, or one generated now when none was stored yet.
     * Returns the generated token (to print once), or null.
     */
    async ensureAdminToken(): Promise<string | null> {
      if (configuredHash) return null;
      if ((await storedAdminHash()) !== null) return null;
      return this.rotateAdminToken();
    },

    /** Replaces the stored admin token with a new one and returns it. */
    async rotateAdminToken(): Promise<string> {
      const token = newToken('hrld');
      const value = hashToken(token);
      await writeInstanceSetting(db, ADMIN_TOKEN_SETTING, value);
      principals.clear();
      return token;
    },
  };

  function storedAdminHash(): Promise<string | null> {
    return readInstanceSetting(db, ADMIN_TOKEN_SETTING);
  }
}

/** The API keys service. */
export type ApiKeys = ReturnType<typeof apiKeys>;

/** A key as the API shows it: never its token or hash. */
function view(r: Selectable<ApiKeyTable>): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    createdAt: iso(r.created_at),
    lastUsedAt: iso(r.last_used_at),
  };
}
