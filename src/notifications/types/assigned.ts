import type { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { assigneeSchema } from './payload-schemas.js';
import { SAMPLE_ISSUE, SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';
import { workflowDoc, workflowMetadata, workflowPayloadSchema } from './workflow-doc.js';

/** Payload of an assignment: the issue, who assigned it, and to whom. */
export const assignedPayloadSchema = workflowPayloadSchema
  .extend({ assignee: assigneeSchema })
  .meta({ id: 'AssignedPayload' });

/** An assignment's payload. */
export type AssignedPayload = z.infer<typeof assignedPayloadSchema>;

function doc(p: AssignedPayload, r: Rendering): MessageDoc {
  const assignee = p.assignee.name;
  return workflowDoc(p, r, {
    subject: r.t('assigned.subject', { assignee, title: p.issue.title }),
    intro: p.actor
      ? r.t('assigned.intro', { actor: p.actor.name, assignee })
      : r.t('assigned.introNoActor', { assignee }),
    tone: 'info',
    extraFields: [{ label: r.t('field.assignee'), value: assignee }],
  });
}

const threadKey = (p: AssignedPayload) => p.issue.id;
const metadata = (p: AssignedPayload) => ({
  ...workflowMetadata(p),
  assigneeType: p.assignee.type,
  assigneeId: p.assignee.id,
});

/** An issue was assigned to a person or a team (workflow activity). */
export const assignedType = defineNotificationType<AssignedPayload>({
  id: 'assigned',
  category: 'workflow',
  critical: false,
  payload: assignedPayloadSchema,
  threadKey,
  metadata,
  render: docRenderers({ id: 'assigned', doc, threadKey, metadata, critical: () => false }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    issue: SAMPLE_ISSUE,
    actor: { id: 'usr_01jq7zd9e8f7g6h5j4k3m2n1p0', name: 'Mia Schneider' },
    assignee: { type: 'team', id: 'tea_01jq7zf1g2h3j4k5m6n7p8q9r0', name: 'Payments' },
  }),
});
