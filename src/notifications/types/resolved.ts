import type { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { SAMPLE_ISSUE, SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';
import { workflowDoc, workflowMetadata, workflowPayloadSchema } from './workflow-doc.js';

/** Payload of a resolution. */
export const resolvedPayloadSchema = workflowPayloadSchema.meta({ id: 'ResolvedPayload' });

/** A resolution's payload. */
export type ResolvedPayload = z.infer<typeof resolvedPayloadSchema>;

function doc(p: ResolvedPayload, r: Rendering): MessageDoc {
  return workflowDoc(p, r, {
    subject: r.t('resolved.subject', { project: p.project.slug, title: p.issue.title }),
    intro: p.actor ? r.t('resolved.intro', { actor: p.actor.name }) : r.t('resolved.introNoActor'),
    tone: 'success',
  });
}

const threadKey = (p: ResolvedPayload) => p.issue.id;

/** An issue was resolved (workflow activity); closes the PagerDuty incident its alerts opened. */
export const resolvedType = defineNotificationType<ResolvedPayload>({
  id: 'resolved',
  category: 'workflow',
  critical: false,
  payload: resolvedPayloadSchema,
  threadKey,
  metadata: workflowMetadata,
  render: docRenderers({
    id: 'resolved',
    doc,
    threadKey,
    metadata: workflowMetadata,
    critical: () => false,
    eventAction: () => 'resolve',
  }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    issue: { ...SAMPLE_ISSUE, status: 'resolved' },
    actor: { id: 'usr_01jq7zd9e8f7g6h5j4k3m2n1p0', name: 'Mia Schneider' },
  }),
});
