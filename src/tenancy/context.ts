import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ConflictError, ValidationError } from '../errors.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Database } from '../store/schema.js';

/** What the tenancy services share: the database, the clock and the secret box. */
export interface TenancyDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly secrets: SecretBox;
  /** Base URL for DSNs and links. */
  readonly publicUrl: () => string;
}

/**
 * Who is calling: the admin token, an org API key bound to one organization, or a person's own token
 * (which reaches only that person's settings and subscriptions, never an organization's resources).
 */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'org'; readonly orgId: string; readonly keyId: string }
  | { readonly kind: 'user'; readonly userId: string; readonly tokenId: string };

/** True when the caller may act on organization `orgId`'s resources: the admin token or that org's key. */
export function actsForOrg(principal: Principal, orgId: string): boolean {
  return principal.kind === 'admin' || (principal.kind === 'org' && principal.orgId === orgId);
}

/** Converts epoch ms to the API's ISO 8601 string. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * 400 naming `{path}.{i}` for each of `ids` not among `found` (the ids a lookup found in the organization):
 * "X is not a {what} of this organization".
 */
export function assertFound(
  ids: readonly string[],
  found: ReadonlySet<string>,
  path: string,
  what: string,
): void {
  const problems = ids.flatMap((id, i) =>
    found.has(id) ? [] : [{ path: `${path}.${i}`, message: `${id} is not ${what} of this organization` }],
  );
  if (problems.length > 0) throw new ValidationError(problems);
}

/**
 * 409 naming the organization's alert rules whose actions name `id` (an integration they send through, a
 * team they send to): deleting it would leave those actions sending to nobody without a word. `lead`
 * starts the message ("Alert rules send to this team"); the caller skips the check when forced.
 */
export async function assertNoRuleActionNames(
  db: Kysely<Database>,
  orgId: string,
  id: string,
  lead: string,
): Promise<void> {
  // Actions are stored as JSON, where the id is a quoted string value. The rules of a deleted project
  // send nothing more (they go with its purge a minute later): they do not hold the deletion back.
  const rules = await db
    .selectFrom('rules')
    .innerJoin('projects', 'projects.id', 'rules.project_id')
    .select(['rules.id', 'rules.name'])
    .where('rules.org_id', '=', orgId)
    .where('rules.actions', 'like', `%${JSON.stringify(id)}%`)
    .where('projects.deleted_at', 'is', null)
    .orderBy('rules.name')
    .execute();
  if (rules.length === 0) return;
  throw new ConflictError(
    `${lead}: ${rules.map((r) => `“${r.name}” (${r.id})`).join(', ')}. Change them first, or delete with force=true`,
  );
}
