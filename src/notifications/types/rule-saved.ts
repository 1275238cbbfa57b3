import { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { actorSchema, organizationRefSchema, projectRefSchema } from './payload-schemas.js';
import { SAMPLE_BASE_URL, SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';

/** Payload of the confirmation posted when a rule with a chat action is saved. */
export const ruleSavedPayloadSchema = z
  .object({
    organization: organizationRefSchema,
    project: projectRefSchema,
    rule: z.object({
      id: z.string().min(1),
      name: z.string().max(1000),
      /** The rule in the dashboard's editor. */
      url: z.string().max(4000),
      /** The rule in the API; absent from notifications made before it was added. */
      apiUrl: z.string().max(4000).optional(),
    }),
    created: z.boolean(),
    /** One sentence per change, as the rules stage words them. */
    changes: z.array(z.string().max(2000)).max(500),
    actor: actorSchema,
  })
  .meta({ id: 'RuleSavedPayload' });

/** A rule-saved payload. */
export type RuleSavedPayload = z.infer<typeof ruleSavedPayloadSchema>;

function doc(p: RuleSavedPayload, r: Rendering): MessageDoc {
  const actor = p.actor?.name ?? r.t('common.someone');
  const heading = r.t(p.created ? 'ruleSaved.created' : 'ruleSaved.updated');
  return {
    subject: `${heading}: ${p.rule.name}`,
    title: p.rule.name,
    url: p.rule.url,
    tone: 'info',
    intro: r.t(p.created ? 'ruleSaved.introCreated' : 'ruleSaved.introUpdated', { actor, rule: p.rule.name }),
    fields: [{ label: r.t('field.project'), value: p.project.name }],
    lists: [
      {
        title: r.t('ruleSaved.changesTitle'),
        items: p.changes.length
          ? p.changes.map((text) => ({ text }))
          : [{ text: r.t('ruleSaved.noChanges') }],
      },
    ],
    actions: [{ label: r.t('action.viewRule'), url: p.rule.url }],
    footer: [heading],
    orgName: p.organization.name,
    source: p.project.slug,
  };
}

const metadata = (p: RuleSavedPayload) => ({
  organization: p.organization.slug,
  project: p.project.slug,
  ruleId: p.rule.id,
  created: String(p.created),
});

/** "Alert rule created / updated" with its changes (system: not user-configurable). */
export const ruleSavedType = defineNotificationType<RuleSavedPayload>({
  id: 'rule_saved',
  category: null,
  critical: false,
  payload: ruleSavedPayloadSchema,
  metadata,
  render: docRenderers({ id: 'rule_saved', doc, metadata, critical: () => false }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    rule: {
      id: 'rul_01jq7zc0a1b2c3d4e5f6g7h8j9',
      name: 'New errors in production',
      url: `${SAMPLE_BASE_URL}/rules?org=acme&project=checkout-api&rule=rul_01jq7zc0a1b2c3d4e5f6g7h8j9`,
      apiUrl: `${SAMPLE_BASE_URL}/api/v1/projects/acme/checkout-api/rules/rul_01jq7zc0a1b2c3d4e5f6g7h8j9`,
    },
    created: false,
    changes: [
      'Changed frequency from 30 to 60 minutes',
      'Added filter: The event’s level is greater than or equal to error',
      'Added action: Send a Slack notification to #alerts',
    ],
    actor: { id: 'usr_01jq7zd9e8f7g6h5j4k3m2n1p0', name: 'Mia Schneider' },
  }),
});
