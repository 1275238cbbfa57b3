import { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { organizationRefSchema } from './payload-schemas.js';
import { SAMPLE_ORGANIZATION } from './samples.js';

/** Payload of the message to an org's owners when a fatal error disabled an integration. */
export const integrationDisabledPayloadSchema = z
  .object({
    organization: organizationRefSchema,
    integration: z.object({ id: z.string().min(1), name: z.string().max(200), provider: z.string().max(64) }),
    /** Secret-free description of the failure, e.g. the provider's error code. */
    reason: z.string().max(2000),
  })
  .meta({ id: 'IntegrationDisabledPayload' });

/** An integration-disabled payload. */
export type IntegrationDisabledPayload = z.infer<typeof integrationDisabledPayloadSchema>;

function doc(p: IntegrationDisabledPayload, r: Rendering): MessageDoc {
  const { integration } = p;
  // The dashboard's integrations of the organization, where the disabled one says why and is enabled again.
  const url = `${r.context.baseUrl}/integrations?org=${encodeURIComponent(p.organization.slug)}`;
  return {
    subject: r.t('integrationDisabled.subject', { name: integration.name }),
    title: integration.name,
    url,
    tone: 'error',
    intro: r.t('integrationDisabled.intro', { name: integration.name, provider: integration.provider }),
    fields: [
      { label: r.t('field.provider'), value: integration.provider },
      { label: r.t('field.reason'), value: p.reason },
    ],
    lists: [],
    actions: [{ label: r.t('action.viewIntegrations'), url }],
    footer: [],
    orgName: p.organization.name,
    source: integration.provider,
  };
}

const threadKey = (p: IntegrationDisabledPayload) => `integration:${p.integration.id}`;
const metadata = (p: IntegrationDisabledPayload) => ({
  organization: p.organization.slug,
  integrationId: p.integration.id,
  provider: p.integration.provider,
});

/** An integration was disabled after a fatal error (system, critical: it bypasses quiet hours). */
export const integrationDisabledType = defineNotificationType<IntegrationDisabledPayload>({
  id: 'integration_disabled',
  category: null,
  critical: true,
  payload: integrationDisabledPayloadSchema,
  threadKey,
  metadata,
  render: docRenderers({ id: 'integration_disabled', doc, threadKey, metadata, critical: () => true }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    integration: { id: 'int_01jq7zg2h3j4k5m6n7p8q9r0s1', name: 'Ops Slack', provider: 'slack' },
    reason: 'Slack answered token_revoked: the bot token was revoked',
  }),
});
