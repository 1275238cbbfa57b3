import { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { organizationRefSchema, projectRefSchema, releaseRefSchema } from './payload-schemas.js';
import { releaseDoc, releaseMetadata, SAMPLE_RELEASE } from './release-doc.js';
import { SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';

/** Payload of a new release. */
export const releasePayloadSchema = z
  .object({ organization: organizationRefSchema, project: projectRefSchema, release: releaseRefSchema })
  .meta({ id: 'ReleasePayload' });

/** A release's payload. */
export type ReleasePayload = z.infer<typeof releasePayloadSchema>;

function doc(p: ReleasePayload, r: Rendering): MessageDoc {
  return releaseDoc(p, r, {
    subject: r.t('release.subject', { version: p.release.version, project: p.project.slug }),
    intro: r.t('release.intro', {
      project: p.project.name,
      commits: r.count('count.commits', p.release.commits.length),
    }),
    tone: 'info',
  });
}

/** Deploys of a release reply in the release's thread. */
const threadKey = (p: ReleasePayload) => `release:${p.project.id}:${p.release.version}`;

/** A release was created (deploy category: committers hear about it by default). */
export const releaseType = defineNotificationType<ReleasePayload>({
  id: 'release',
  category: 'deploy',
  critical: false,
  payload: releasePayloadSchema,
  threadKey,
  metadata: releaseMetadata,
  render: docRenderers({ id: 'release', doc, threadKey, metadata: releaseMetadata, critical: () => false }),
  sample: () => ({ organization: SAMPLE_ORGANIZATION, project: SAMPLE_PROJECT, release: SAMPLE_RELEASE }),
});
