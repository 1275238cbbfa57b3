import type { z } from 'zod';
import type { DocField, DocLink, MessageDoc, Tone } from '../../templates/message-doc.js';
import type { Rendering } from '../../templates/render-context.js';
import { issueActions, issueStatsFields, issueUrl, levelName, statusName, when } from './issue-doc.js';
import { actorSchema, alertRefSchema, issueNotificationSchema } from './payload-schemas.js';

/** Payload of workflow activity (regression, resolved): the issue and who acted, if anyone. */
export const workflowPayloadSchema = issueNotificationSchema.extend({
  actor: actorSchema,
  /** The Prometheus alert of the issue's latest event, when it came from one. */
  alert: alertRefSchema.optional(),
});

/** A workflow activity payload. */
export type WorkflowPayload = z.infer<typeof workflowPayloadSchema>;

/** What differs between the workflow types' messages. */
export interface WorkflowText {
  readonly subject: string;
  readonly intro: string;
  readonly tone: Tone;
  readonly extraFields?: readonly DocField[];
  /** Links after the issue's own (a regressed Prometheus alert's runbook). */
  readonly extraActions?: readonly DocLink[];
}

/** The message of a workflow activity: the issue with its status and counts, and who did what. */
export function workflowDoc(p: WorkflowPayload, r: Rendering, text: WorkflowText): MessageDoc {
  const { issue, project } = p;
  return {
    subject: text.subject,
    title: issue.title,
    url: issueUrl(r, issue),
    tone: text.tone,
    intro: text.intro,
    fields: [
      { label: r.t('field.project'), value: project.name },
      { label: r.t('field.status'), value: statusName(r, issue.status) },
      { label: r.t('field.level'), value: levelName(r, issue.level) },
      ...(text.extraFields ?? []),
      ...issueStatsFields(r, issue),
      { label: r.t('field.lastSeen'), value: when(r, issue.lastSeen) },
    ],
    lists: [],
    actions: [...issueActions(r, issue), ...(text.extraActions ?? [])],
    issueId: issue.id,
    footer: issue.culprit ? [issue.culprit] : [],
    orgName: p.organization.name,
    source: project.slug,
  };
}

/** Metadata of a workflow activity. */
export function workflowMetadata(p: WorkflowPayload): Record<string, string> {
  return {
    organization: p.organization.slug,
    project: p.project.slug,
    issueId: p.issue.id,
    status: p.issue.status,
    ...(p.actor ? { actorId: p.actor.id } : {}),
  };
}
