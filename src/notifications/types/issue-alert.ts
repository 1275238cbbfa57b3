import { z } from 'zod';
import { docRenderers } from '../../templates/doc-renderers.js';
import type { MessageDoc } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { defineNotificationType } from '../notification-type.js';
import {
  alertLinks,
  frameLine,
  issueActions,
  issueMetadata,
  issueStatsFields,
  issueUrl,
  levelName,
  levelTone,
  rulesLine,
} from './issue-doc.js';
import { eventRefSchema, issueNotificationSchema, ruleRefSchema } from './payload-schemas.js';
import { SAMPLE_ISSUE, SAMPLE_ORGANIZATION, SAMPLE_PROJECT } from './samples.js';

/** Payload of an issue alert: the issue, the event that fired the rules, and the rules. */
export const issueAlertPayloadSchema = issueNotificationSchema
  .extend({
    event: eventRefSchema,
    rules: z.array(ruleRefSchema).max(100),
    /** How many rules fired; `rules` may list fewer. */
    ruleCount: z.int().min(0),
  })
  .meta({ id: 'IssueAlertPayload' });

/** An issue alert's payload. */
export type IssueAlertPayload = z.infer<typeof issueAlertPayloadSchema>;

/** The paragraph under the title: a Prometheus alert's description, else the event's message when it says more. */
function messageOf(p: IssueAlertPayload): string | undefined {
  const { issue, event } = p;
  const description = event.alert?.annotations.description;
  if (description && description !== issue.title && description !== event.alert?.annotations.summary)
    return description;
  return event.message && event.message !== issue.title ? event.message : undefined;
}

function doc(p: IssueAlertPayload, r: Rendering): MessageDoc {
  const { issue, event, project } = p;
  const message = messageOf(p);
  const level = levelName(r, issue.level);
  const fields = [
    { label: r.t('field.project'), value: project.name },
    { label: r.t('field.environment'), value: event.environment ?? r.t('common.none') },
    { label: r.t('field.level'), value: level },
    ...(event.release ? [{ label: r.t('field.release'), value: event.release }] : []),
    ...issueStatsFields(r, issue),
  ];
  return {
    subject: r.t('issueAlert.subject', { project: project.slug, level, title: issue.title }),
    title: issue.title,
    url: issueUrl(r, issue),
    tone: levelTone(issue.level),
    intro: r.t(issue.category === 'performance' ? 'issueAlert.intro.performance' : 'issueAlert.intro.error', {
      project: project.name,
    }),
    ...(message ? { message } : {}),
    fields,
    ...(event.frames.length
      ? { stack: { title: r.t('common.stackTrace'), lines: event.frames.map((f) => frameLine(r, f)) } }
      : {}),
    ...(event.tags.length ? { tags: { title: r.t('common.tags'), pairs: event.tags } } : {}),
    lists: [],
    actions: [...issueActions(r, issue), ...alertLinks(r, event.alert)],
    issueId: issue.id,
    footer: [...rulesLine(r, p.rules, p.ruleCount), ...(issue.culprit ? [issue.culprit] : [])],
    orgName: p.organization.name,
    source: project.slug,
  };
}

const threadKey = (p: IssueAlertPayload) => p.issue.id;
const metadata = (p: IssueAlertPayload) => ({
  ...issueMetadata(p),
  eventId: p.event.eventId,
  rules: p.rules.map((rule) => rule.id).join(','),
});

/** A rule fired for an error or performance issue. */
export const issueAlertType = defineNotificationType<IssueAlertPayload>({
  id: 'issue_alert',
  category: 'alerts',
  critical: false,
  payload: issueAlertPayloadSchema,
  threadKey,
  metadata,
  render: docRenderers({ id: 'issue_alert', doc, threadKey, metadata, critical: () => false }),
  sample: () => ({
    organization: SAMPLE_ORGANIZATION,
    project: SAMPLE_PROJECT,
    issue: SAMPLE_ISSUE,
    event: {
      eventId: '9f2c4e1ab7d84c0e9a51f3b2c6d7e8f9',
      message: "Cannot read properties of undefined (reading 'total')",
      environment: 'production',
      release: 'checkout-api@2.14.0',
      platform: 'node',
      timestamp: '2026-03-14T09:26:53.000Z',
      tags: [
        ['browser', 'Chrome 122'],
        ['os', 'macOS 14.3'],
        ['region', 'eu-west-1'],
        ['customer_tier', 'enterprise'],
      ],
      frames: [
        {
          function: 'computeTotals',
          module: null,
          filename: 'app/services/cart.ts',
          lineno: 88,
          inApp: true,
        },
        {
          function: 'checkoutHandler',
          module: null,
          filename: 'app/routes/checkout.ts',
          lineno: 41,
          inApp: true,
        },
        {
          function: 'Layer.handle',
          module: 'express',
          filename: 'node_modules/express/lib/router/layer.js',
          lineno: 95,
          inApp: false,
        },
      ],
      url: `${SAMPLE_ISSUE.url}/events/9f2c4e1ab7d84c0e9a51f3b2c6d7e8f9`,
    },
    rules: [
      { id: 'rul_01jq7zc0a1b2c3d4e5f6g7h8j9', name: 'New errors in production' },
      { id: 'rul_01jq7zc0a1b2c3d4e5f6g7h8k0', name: 'High-volume checkout errors' },
    ],
    ruleCount: 3,
  }),
});
