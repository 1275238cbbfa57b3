import type { Kysely, Transaction } from 'kysely';
import { newId } from '../ids.js';
import type { Database, DeliveryTable } from '../store/schema.js';
import { type IntegrationReference, referenceReader } from '../tenancy/reference-cache.js';
import type { ChannelKind } from './channel.js';

/** Providers that personal channels go through: email via SMTP/SendGrid/SES, Slack DMs. */
export const PERSONAL_PROVIDERS: Readonly<Partial<Record<ChannelKind, string>>> = {
  email: 'email',
  slack: 'slack',
};

const PERSONAL_PROVIDER_NAMES: ReadonlySet<string> = new Set(Object.values(PERSONAL_PROVIDERS));

/**
 * The organization's first active integration of each personal provider, by provider, read in `db` (a
 * transaction's, when given one).
 */
export async function personalIntegrations(
  db: Kysely<Database> | Transaction<Database>,
  orgId: string,
): Promise<Map<string, string>> {
  return personalRoutes(await referenceReader(db).integrations(orgId));
}

/** The first active integration of each personal provider among `integrations` (oldest first), by provider. */
export function personalRoutes(integrations: readonly IntegrationReference[]): Map<string, string> {
  const byProvider = new Map<string, string>();
  for (const integration of integrations) {
    if (integration.status !== 'active' || !PERSONAL_PROVIDER_NAMES.has(integration.provider)) continue;
    if (!byProvider.has(integration.provider)) byProvider.set(integration.provider, integration.id);
  }
  return byProvider;
}

/** The integration a personal channel goes through: null when it needs none, undefined when none exists. */
export function routeOf(
  channel: ChannelKind,
  integrations: ReadonlyMap<string, string>,
): string | null | undefined {
  const provider = PERSONAL_PROVIDERS[channel];
  return provider ? integrations.get(provider) : null;
}

/**
 * The next delivery of a fallback chain after `from` ended dead or unroutable: the same person, the next
 * channel, linked through `fallback_of`; unroutable itself when that channel has no integration. Null at
 * the end of the chain.
 */
export function nextFallback(
  from: DeliveryTable,
  integrations: ReadonlyMap<string, string>,
  now: number,
): DeliveryTable | null {
  if (!from.fallback_channels) return null;
  const [next, ...rest] = JSON.parse(from.fallback_channels) as ChannelKind[];
  if (!next) return null;
  const integrationId = routeOf(next, integrations);
  return {
    ...from,
    id: newId('dlv', now),
    channel: next,
    integration_id: integrationId ?? null,
    status: integrationId === undefined ? 'suppressed' : 'pending',
    reason: integrationId === undefined ? 'unroutable' : null,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    provider_message_id: null,
    digest_id: null,
    fallback_of: from.id,
    fallback_channels: rest.length ? JSON.stringify(rest) : null,
    created_at: now,
    updated_at: now,
    sent_at: null,
  };
}
