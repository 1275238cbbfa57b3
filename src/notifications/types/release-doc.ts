import type { z } from 'zod';
import type { DocField, DocListItem, MessageDoc, Tone } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import type {
  commitRefSchema,
  organizationRefSchema,
  projectRefSchema,
  releaseRefSchema,
} from './payload-schemas.js';
import { SAMPLE_BASE_URL } from './samples.js';

type Commit = z.infer<typeof commitRefSchema>;

/** What a release message needs from its payload. */
export interface ReleaseLike {
  readonly organization: z.infer<typeof organizationRefSchema>;
  readonly project: z.infer<typeof projectRefSchema>;
  readonly release: z.infer<typeof releaseRefSchema>;
}

function commitItem(commit: Commit): DocListItem {
  const firstLine = commit.message.split('\n', 1)[0] ?? '';
  const author = commit.authorName ?? commit.authorEmail;
  const short = commit.id.slice(0, 7);
  return { text: firstLine || short, detail: author ? `${short} · ${author}` : short };
}

/** The message of a release or deploy: version, commits and a link to the release. */
export function releaseDoc(
  p: ReleaseLike,
  r: Rendering,
  text: { subject: string; intro: string; tone: Tone; extraFields?: readonly DocField[] },
): MessageDoc {
  const { release, project } = p;
  return {
    subject: text.subject,
    title: release.version,
    url: release.url,
    tone: text.tone,
    intro: text.intro,
    fields: [
      { label: r.t('field.project'), value: project.name },
      { label: r.t('field.version'), value: release.version },
      ...(text.extraFields ?? []),
    ],
    lists: [{ title: r.t('release.commitsTitle'), items: release.commits.map(commitItem) }],
    actions: [{ label: r.t('action.viewRelease'), url: release.url }],
    footer: [],
    orgName: p.organization.name,
    source: project.slug,
  };
}

/** Metadata of a release or deploy. */
export function releaseMetadata(p: ReleaseLike): Record<string, string> {
  return {
    organization: p.organization.slug,
    project: p.project.slug,
    version: p.release.version,
    commits: String(p.release.commits.length),
  };
}

/** A release with a few commits, for samples. */
export const SAMPLE_RELEASE: z.infer<typeof releaseRefSchema> = {
  version: 'checkout-api@2.14.0',
  url: `${SAMPLE_BASE_URL}/orgs/acme/projects/checkout-api/releases/checkout-api%402.14.0`,
  apiUrl: `${SAMPLE_BASE_URL}/api/v1/projects/acme/checkout-api/releases`,
  commits: [
    {
      id: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      message: 'Fix rounding of discounted cart totals\n\nTotals were off by one cent for some currencies.',
      authorEmail: 'mia@acme.example',
      authorName: 'Mia Schneider',
    },
    {
      id: 'b2c3d4e5f60718293a4b5c6d7e8f901234567890',
      message: 'Retry payment provider timeouts once',
      authorEmail: 'kenji@acme.example',
      authorName: 'Kenji Watanabe',
    },
    {
      id: 'c3d4e5f60718293a4b5c6d7e8f90123456789012',
      message: 'Bump express to 4.21.2',
      authorEmail: 'bot@acme.example',
      authorName: null,
    },
  ],
};
