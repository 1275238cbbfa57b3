import { expect } from 'vitest';
import type { TestHerald } from './herald.js';

/** Sets up org `ops` with project `infra`, an owner and a member with personal tokens, and an API key. */
export async function opsOrg(h: TestHerald) {
  await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
  await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
  const person = async (email: string, name: string, role: string) => {
    const userId = (await h.request('POST', '/api/v1/orgs/ops/members', { email, name, role })).body.userId;
    return (await h.request('POST', `/api/v1/users/${userId}/tokens`, { name: 'cli' })).body.token as string;
  };
  return {
    owner: await person('olga@ops.test', 'Olga', 'owner'),
    member: await person('max@ops.test', 'Max', 'member'),
    key: (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'prometheus' })).body.token as string,
  };
}

/**
 * Sets up org `ops` with project `infra` whose every alert goes to the webhook at `hookUrl` (a rule
 * without an action interval), named and configured further by `hook`, and answers the API key
 * Prometheus posts its alerts with.
 */
export async function pagedOpsProject(
  h: TestHerald,
  hookUrl: string,
  hook: {
    readonly name?: string;
    readonly config?: Record<string, unknown>;
    readonly secrets?: Record<string, string>;
  } = {},
): Promise<string> {
  await h.request('POST', '/api/v1/orgs', { slug: 'ops' });
  await h.request('POST', '/api/v1/orgs/ops/projects', { slug: 'infra' });
  const prometheus = (await h.request('POST', '/api/v1/orgs/ops/api-keys', { name: 'prometheus' })).body
    .token;
  const integration = await h.request('POST', '/api/v1/orgs/ops/integrations', {
    provider: 'webhook',
    name: hook.name ?? 'Pager',
    config: { url: hookUrl, ...hook.config },
    ...(hook.secrets ? { secrets: hook.secrets } : {}),
  });
  expect(integration.status, JSON.stringify(integration.body)).toBe(201);
  const rule = await h.request('POST', '/api/v1/projects/ops/infra/rules', {
    name: 'Every alert to the pager',
    frequency: 0,
    conditions: [{ id: 'every_event' }],
    actions: [{ id: 'webhook', integration: integration.body.id }],
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  return prometheus as string;
}
