import type { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { alertLinks } from './issue-doc.js';
import { SAMPLE_ISSUE, SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';
import { workflowDoc, workflowMetadata, workflowPayloadSchema } from './workflow-doc.js';

/** Payload of a regression: a resolved issue happened again. */
export const regressionPayloadSchema = workflowPayloadSchema.meta({ id: 'RegressionPayload' });

/** A regression's payload. */
export type RegressionPayload = z.infer<typeof regressionPayloadSchema>;

function doc(p: RegressionPayload, r: Rendering): MessageDoc {
  return workflowDoc(p, r, {
    subject: r.t('regression.subject', { project: p.project.slug, title: p.issue.title }),
    intro: p.actor ? r.t('regression.intro', { actor: p.actor.name }) : r.t('regression.introNoActor'),
    tone: 'error',
    // A Prometheus alert firing again: its runbook and source, as its first alert had them.
    extraActions: alertLinks(r, p.alert),
  });
}

const threadKey = (p: RegressionPayload) => p.issue.id;

/** A resolved issue came back (workflow activity). */
export const regressionType = defineNotificationType<RegressionPayload>({
  id: 'regression',
  category: 'workflow',
  critical: false,
  payload: regressionPayloadSchema,
  threadKey,
  metadata: workflowMetadata,
  render: docRenderers({
    id: 'regression',
    doc,
    threadKey,
    metadata: workflowMetadata,
    critical: () => false,
  }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    issue: { ...SAMPLE_ISSUE, firstSeen: '2026-02-02T16:40:00.000Z' },
    actor: null,
  }),
});
