import { z } from 'zod';
import { LEVEL_NUMBERS } from '../../events/event.js';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import { levelTone, rulesLine, when } from './issue-doc.js';
import { issueRefSchema, organizationRefSchema, projectRefSchema, ruleRefSchema } from './payload-schemas.js';
import { SAMPLE_BASE_URL, SAMPLE_ISSUE, SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';

/**
 * A held notification about no issue (a deploy, a release), as a digest lists it: its title and link as
 * the recipient reads them (their language), written when the digest was built.
 */
export const digestOtherSchema = z
  .object({
    id: z.string().min(1).max(64),
    type: z.string().min(1).max(64),
    title: z.string().min(1).max(300),
    url: z.string().max(4096),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'DigestOther' });

/**
 * Payload of a digest: the issues batched for one recipient over a window, most events first, and the
 * notifications about no issue that the recipient's limit held back, oldest first.
 */
export const digestPayloadSchema = z
  .object({
    organization: organizationRefSchema,
    project: projectRefSchema,
    rules: z.array(ruleRefSchema).max(100),
    issues: z
      .array(issueRefSchema.extend({ count: z.int().min(0), userCount: z.int().min(0) }))
      .max(1000)
      // Sorted here so every channel and every receiver sees the busiest issue first.
      .transform((issues) => [...issues].sort((a, b) => b.count - a.count)),
    others: z.array(digestOtherSchema).max(1000).default([]),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
    totalEvents: z.int().min(0),
  })
  .refine((p) => p.issues.length + p.others.length > 0, {
    path: ['issues'],
    message: 'a digest holds at least one issue or other notification',
  })
  .meta({ id: 'DigestPayload' });

/** A digest's payload. */
export type DigestPayload = z.infer<typeof digestPayloadSchema>;

function doc(p: DigestPayload, r: Rendering): MessageDoc {
  const count = p.issues.length;
  const others = p.others.length;
  const issuesUrl =
    r.context.links.issue ??
    `${r.context.baseUrl}/orgs/${p.organization.slug}/projects/${p.project.slug}/issues`;
  const worst =
    count === 0 ? null : p.issues.reduce((a, b) => (LEVEL_NUMBERS[b.level] > LEVEL_NUMBERS[a.level] ? b : a));
  const period = r.t('common.range', { start: when(r, p.start), end: when(r, p.end) });
  const subject = (project: string) =>
    others === 0
      ? r.t('digest.subject', { count, project })
      : count === 0
        ? r.t('digest.othersSubject', { count: others, project })
        : r.t('digest.mixedSubject', {
            issues: r.count('count.issues', count),
            others: r.count('count.otherNotifications', others),
            project,
          });
  return {
    subject: subject(p.project.slug),
    title: subject(p.project.name),
    url: count === 0 ? (p.others[0]?.url ?? issuesUrl) : issuesUrl,
    tone: worst ? levelTone(worst.level) : 'info',
    intro:
      count === 0
        ? r.t('digest.othersIntro', {
            others: r.count('count.otherNotifications', others),
            project: p.project.name,
          })
        : r.t('digest.intro', {
            issues: r.count('count.issues', count),
            events: r.count('count.events', p.totalEvents),
            project: p.project.name,
          }),
    fields: [
      { label: r.t('field.project'), value: p.project.name },
      { label: r.t('field.period'), value: period },
      ...(count === 0 ? [] : [{ label: r.t('field.events'), value: r.count('count.events', p.totalEvents) }]),
    ],
    lists: [
      ...(count === 0
        ? []
        : [
            {
              title: r.t('digest.issuesTitle'),
              items: p.issues.map((issue) => ({
                text: issue.title,
                url: issue.url,
                detail: r.t('digest.issueDetail', {
                  events: r.count('count.events', issue.count),
                  users: r.count('count.users', issue.userCount),
                }),
              })),
            },
          ]),
      ...(others === 0
        ? []
        : [
            {
              title: r.t('digest.othersTitle'),
              items: p.others.map((other) => ({
                text: other.title,
                url: other.url,
                detail: when(r, other.createdAt),
              })),
            },
          ]),
    ],
    actions: [
      ...(count === 0 ? [] : [{ label: r.t('action.viewIssues'), url: issuesUrl }]),
      ...(r.context.links.muteRule ? [{ label: r.t('action.muteRule'), url: r.context.links.muteRule }] : []),
    ],
    footer: rulesLine(r, p.rules, p.rules.length),
    orgName: p.organization.name,
    source: p.project.slug,
  };
}

const metadata = (p: DigestPayload) => ({
  organization: p.organization.slug,
  project: p.project.slug,
  issues: String(p.issues.length),
  ...(p.others.length === 0 ? {} : { others: String(p.others.length) }),
  totalEvents: String(p.totalEvents),
  rules: p.rules.map((rule) => rule.id).join(','),
});

function sampleIssue(n: number, title: string, count: number, userCount: number) {
  const id = `iss_01jq7zb3c4d5e6f7g8h9j0k1m${n}`;
  return {
    ...SAMPLE_ISSUE,
    id,
    title,
    count,
    userCount,
    url: `${SAMPLE_BASE_URL}/issues/${id}`,
    apiUrl: `${SAMPLE_BASE_URL}/api/v1/issues/${id}`,
  };
}

/** Several alerts for one recipient, batched (alerts category). */
export const digestType = defineNotificationType<DigestPayload>({
  id: 'digest',
  category: 'alerts',
  critical: false,
  payload: digestPayloadSchema,
  metadata,
  render: docRenderers({ id: 'digest', doc, metadata, critical: () => false }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    rules: [{ id: 'rul_01jq7zc0a1b2c3d4e5f6g7h8j9', name: 'New errors in production' }],
    issues: [
      sampleIssue(2, SAMPLE_ISSUE.title, 412, 97),
      sampleIssue(3, 'PaymentTimeoutError: provider did not answer within 10000 ms', 188, 64),
      { ...sampleIssue(4, 'Slow DB query: SELECT * FROM orders WHERE …', 23, 11), level: 'warning' as const },
    ],
    others: [],
    start: '2026-03-14T09:00:00.000Z',
    end: '2026-03-14T09:30:00.000Z',
    totalEvents: 623,
  }),
});
