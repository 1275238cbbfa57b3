import { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { organizationRefSchema, projectRefSchema, releaseRefSchema } from './payload-schemas.js';
import { releaseDoc, releaseMetadata, SAMPLE_RELEASE } from './release-doc.js';
import { SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';

/** Payload of a deploy: the release and where it went. */
export const deployPayloadSchema = z
  .object({
    organization: organizationRefSchema,
    project: projectRefSchema,
    release: releaseRefSchema,
    deploy: z.object({ environment: z.string().min(1).max(256) }),
  })
  .meta({ id: 'DeployPayload' });

/** A deploy's payload. */
export type DeployPayload = z.infer<typeof deployPayloadSchema>;

function doc(p: DeployPayload, r: Rendering): MessageDoc {
  const values = { version: p.release.version, environment: p.deploy.environment };
  return releaseDoc(p, r, {
    subject: r.t('deploy.subject', values),
    intro: r.t('deploy.intro', { ...values, project: p.project.name }),
    tone: 'success',
    extraFields: [{ label: r.t('field.environment'), value: p.deploy.environment }],
  });
}

/** A deploy replies in its release's thread. */
const threadKey = (p: DeployPayload) => `release:${p.project.id}:${p.release.version}`;
const metadata = (p: DeployPayload) => ({ ...releaseMetadata(p), environment: p.deploy.environment });

/** A release was deployed to an environment (deploy category). */
export const deployType = defineNotificationType<DeployPayload>({
  id: 'deploy',
  category: 'deploy',
  critical: false,
  payload: deployPayloadSchema,
  threadKey,
  metadata,
  render: docRenderers({ id: 'deploy', doc, threadKey, metadata, critical: () => false }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    release: SAMPLE_RELEASE,
    deploy: { environment: 'production' },
  }),
});
