import type { z } from 'zod';
import { type FieldProblem, NotFoundError, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { parseJsonObject } from '../store/json.js';
import type { IntegrationTable } from '../store/schema.js';
import { zodProblems } from '../validation.js';
import { assertNoRuleActionNames, iso, type TenancyDeps } from './context.js';
import { PROVIDER_SPECS, type Provider } from './integration-providers.js';
import type { ReferenceCache } from './reference-cache.js';

/** Integration statuses. */
export const INTEGRATION_STATUSES = ['active', 'disabled'] as const;

/** An integration as the API shows it: secrets are never returned, only their names. */
export interface Integration {
  readonly id: string;
  readonly provider: Provider;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly secretFields: string[];
  readonly status: (typeof INTEGRATION_STATUSES)[number];
  readonly disabledReason: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** An integration as created or changed: with the secrets Herald generated for it, shown this once. */
export interface SavedIntegration extends Integration {
  /** Secrets the request did not give and Herald made (a webhook's signing secret); absent when none. */
  readonly generatedSecrets?: Record<string, string>;
}

/** An integration with its secrets decrypted, for the delivery stage only. */
export interface IntegrationWithSecrets extends Integration {
  readonly orgId: string;
  readonly secrets: Record<string, string>;
}

/** Checks that an outbound URL may be used (private targets); throws with the field's path. */
export type TargetCheck = (url: string, path: string) => Promise<void>;

/** Dependencies of the integrations service. */
export interface IntegrationDeps extends TenancyDeps {
  readonly checkTarget: TargetCheck;
  /** The pipeline's cache of an organization's integrations: told of every write to them here. */
  readonly references: ReferenceCache;
}

/** Integrations of an organization; every read is scoped by the organization. */
export function integrations(deps: IntegrationDeps) {
  const { db, clock, secrets: box } = deps;

  const decrypt = (row: IntegrationTable): Record<string, string> => {
    const value = parseJsonObject(box.open(row.secrets));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  };

  const toIntegration = (row: IntegrationTable): Integration => ({
    id: row.id,
    provider: row.provider as Provider,
    name: row.name,
    config: parseJsonObject(row.config),
    secretFields: Object.keys(decrypt(row)).sort(),
    status: row.status as Integration['status'],
    disabledReason: row.disabled_reason,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  });

  async function validate(provider: Provider, config: unknown, secrets: unknown) {
    const spec = PROVIDER_SPECS[provider];
    const problems: FieldProblem[] = [];
    const parsedConfig = spec.config.safeParse(config);
    if (!parsedConfig.success) problems.push(...prefix('config', parsedConfig.error));
    const parsedSecrets = spec.secrets.safeParse(secrets);
    if (!parsedSecrets.success) problems.push(...prefix('secrets', parsedSecrets.error));
    if (!parsedConfig.success || !parsedSecrets.success) throw new ValidationError(problems);
    const values = {
      config: parsedConfig.data,
      secrets: spec.defaults?.(parsedSecrets.data) ?? parsedSecrets.data,
    };
    const given = parsedSecrets.data as Record<string, unknown>;
    const generated = Object.entries(values.secrets as Record<string, unknown>).filter(
      (entry): entry is [string, string] => !(entry[0] in given) && typeof entry[1] === 'string',
    );
    for (const target of spec.targets) {
      const [part, field] = target.split('.') as ['config' | 'secrets', string];
      const url = values[part][field];
      if (typeof url === 'string') await deps.checkTarget(url, target);
    }
    return { ...values, generated: generated.length > 0 ? Object.fromEntries(generated) : undefined };
  }

  const saved = (row: IntegrationTable, generated: Record<string, string> | undefined): SavedIntegration =>
    generated ? { ...toIntegration(row), generatedSecrets: generated } : toIntegration(row);

  async function row(orgId: string, id: string): Promise<IntegrationTable> {
    const found = await db
      .selectFrom('integrations')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) throw new NotFoundError('Integration');
    return found;
  }

  return {
    async create(
      orgId: string,
      input: { provider: Provider; name: string; config?: unknown; secrets?: unknown },
    ): Promise<SavedIntegration> {
      const { config, secrets, generated } = await validate(
        input.provider,
        input.config ?? {},
        input.secrets ?? {},
      );
      const now = clock.now();
      const record: IntegrationTable = {
        id: newId('int', now),
        org_id: orgId,
        provider: input.provider,
        name: input.name,
        config: JSON.stringify(config),
        secrets: box.seal(JSON.stringify(secrets)),
        status: 'active',
        disabled_reason: null,
        created_at: now,
        updated_at: now,
      };
      await db.insertInto('integrations').values(record).execute();
      deps.references.forgetIntegrations(orgId);
      return saved(record, generated);
    },

    async list(orgId: string): Promise<Integration[]> {
      const rows = await db
        .selectFrom('integrations')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .execute();
      return rows.map(toIntegration);
    },

    /** The integration, only when it belongs to this organization (else 404, as for a missing one). */
    async get(orgId: string, id: string): Promise<Integration> {
      return toIntegration(await row(orgId, id));
    },

    /** The integration with decrypted secrets, for sending. */
    async getWithSecrets(orgId: string, id: string): Promise<IntegrationWithSecrets> {
      const found = await row(orgId, id);
      return { ...toIntegration(found), orgId, secrets: decrypt(found) };
    },

    /** Updates name, config (merged), secrets (merged; null removes one) and status. */
    async update(
      orgId: string,
      id: string,
      patch: {
        name?: string | undefined;
        config?: Record<string, unknown> | undefined;
        secrets?: Record<string, string | null> | undefined;
        status?: 'active' | 'disabled' | undefined;
      },
    ): Promise<SavedIntegration> {
      const current = await row(orgId, id);
      const provider = current.provider as Provider;
      const mergedConfig = { ...parseJsonObject(current.config), ...(patch.config ?? {}) };
      const mergedSecrets: Record<string, string> = { ...decrypt(current) };
      for (const [key, value] of Object.entries(patch.secrets ?? {})) {
        if (value === null) delete mergedSecrets[key];
        else mergedSecrets[key] = value;
      }
      const { config, secrets, generated } = await validate(provider, mergedConfig, mergedSecrets);
      const now = clock.now();
      const status = patch.status ?? current.status;
      const next: IntegrationTable = {
        ...current,
        name: patch.name ?? current.name,
        config: JSON.stringify(config),
        secrets: box.seal(JSON.stringify(secrets)),
        status,
        disabled_reason:
          status === 'active'
            ? null
            : (current.disabled_reason ?? (patch.status ? 'disabled by a user' : null)),
        updated_at: now,
      };
      await db
        .updateTable('integrations')
        .set({
          name: next.name,
          config: next.config,
          secrets: next.secrets,
          status: next.status,
          disabled_reason: next.disabled_reason,
          updated_at: now,
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .execute();
      deps.references.forgetIntegrations(orgId);
      return saved(next, generated);
    },

    /**
     * Deletes the integration. One that alert rules send through is kept (409 naming them) unless
     * `force`: their actions would stop sending without a word.
     */
    async remove(orgId: string, id: string, options: { force?: boolean } = {}): Promise<void> {
      await row(orgId, id);
      if (!options.force) {
        await assertNoRuleActionNames(db, orgId, id, 'Alert rules send through this integration');
      }
      const result = await db
        .deleteFrom('integrations')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      deps.references.forgetIntegrations(orgId);
      if (Number(result.numDeletedRows) === 0) throw new NotFoundError('Integration');
    },
  };
}

/** The integrations service. */
export type Integrations = ReturnType<typeof integrations>;

function prefix(part: string, error: z.ZodError): FieldProblem[] {
  return zodProblems(error).map((p) => ({ path: p.path ? `${part}.${p.path}` : part, message: p.message }));
}
