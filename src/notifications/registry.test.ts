import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CHANNEL_KINDS } from '../delivery/channel.js';
import { docRenderers } from '../templates/doc-renderers.js';
import { fixtureContext } from '../templates/render-fixtures.js';
import { renderNotification } from '../templates/render-notification.js';
import { defineNotificationType } from './notification-type.js';
import { builtPayload, notificationType, notificationTypes, registerNotificationType } from './registry.js';
import { type IssueAlertPayload, issueAlertType } from './types/issue-alert.js';

const BUILT_INS = [
  'issue_alert',
  'regression',
  'resolved',
  'assigned',
  'release',
  'deploy',
  'digest',
  'rule_saved',
  'integration_disabled',
];

const quotaPayload = z.object({ organization: z.string(), used: z.int() });
type QuotaPayload = z.infer<typeof quotaPayload>;

/** What a library user writes: one object, one registration call, no other file touched. */
const quotaType = defineNotificationType<QuotaPayload>({
  id: 'test_quota_warning',
  category: 'alerts',
  critical: (p) => p.used >= 100,
  payload: quotaPayload,
  metadata: (p) => ({ organization: p.organization, used: String(p.used) }),
  render: docRenderers<QuotaPayload>({
    id: 'test_quota_warning',
    metadata: (p) => ({ used: String(p.used) }),
    critical: (p) => p.used >= 100,
    doc: (p) => ({
      subject: `Quota at ${p.used}%`,
      title: `Quota at ${p.used}%`,
      tone: 'warning',
      intro: p.organization,
      fields: [],
      lists: [],
      actions: [],
      footer: [],
      orgName: p.organization,
      source: 'quota',
    }),
  }),
  sample: () => ({ organization: 'Acme', used: 91 }),
});

describe('notification type registry', () => {
  it('holds every built-in type with its category', () => {
    const ids = notificationTypes().map((t) => t.id);
    expect(ids.slice(0, BUILT_INS.length)).toEqual(BUILT_INS);
    expect(notificationType('issue_alert')?.category).toBe('alerts');
    expect(notificationType('resolved')?.category).toBe('workflow');
    expect(notificationType('deploy')?.category).toBe('deploy');
    expect(notificationType('rule_saved')?.category).toBeNull();
    expect(notificationType('nope')).toBeUndefined();
  });

  it('knows which messages are critical and how they thread', () => {
    const disabled = notificationType('integration_disabled')!;
    expect(disabled.isCritical(disabled.sample())).toBe(true);
    const alert = notificationType('issue_alert')!;
    const sample = alert.sample() as { issue: { id: string } };
    expect(alert.isCritical(sample)).toBe(false);
    expect(alert.threadKey(sample)).toBe(sample.issue.id);
    expect(alert.metadata(sample)).toMatchObject({ issueId: sample.issue.id, organization: 'acme' });
  });

  it('registers a new type that renders on every channel', async () => {
    registerNotificationType(quotaType);
    const registered = notificationType('test_quota_warning')!;
    expect(registered.isCritical({ organization: 'Acme', used: 100 })).toBe(true);
    for (const kind of CHANNEL_KINDS) {
      await expect(
        renderNotification('test_quota_warning', kind, quotaType.sample(), fixtureContext()),
      ).resolves.toBeDefined();
    }
    const slack = await renderNotification(
      'test_quota_warning',
      'slack',
      quotaType.sample(),
      fixtureContext(),
    );
    expect(slack.text).toBe('Quota at 91%');
  });

  it('refuses a second type with the same id unless replacing on purpose', () => {
    expect(() => registerNotificationType({ ...quotaType, id: 'issue_alert' })).toThrow(/already registered/);
    expect(() => registerNotificationType({ ...quotaType, id: 'Bad Id' })).toThrow(/snake_case/);
  });

  it('validates payloads before rendering, naming the bad field', async () => {
    const alert = notificationType('issue_alert')!;
    const bad = { ...(alert.sample() as object), issue: { id: 'x' } };
    await expect(renderNotification('issue_alert', 'email', bad, fixtureContext())).rejects.toThrow(/issue/);
  });

  it('takes a payload Herald built for a type as valid, unless that type was replaced', async () => {
    const alert = notificationType('issue_alert')!;
    const checked = structuredClone(alert.sample()) as IssueAlertPayload;
    // Validated: what comes back is the schema's own copy.
    expect(alert.parse(checked)).not.toBe(checked);
    const built = builtPayload(issueAlertType, structuredClone(checked));
    expect(alert.parse(built)).toBe(built);

    // A replacement with another schema validates what was built for the built-in type.
    registerNotificationType({ ...quotaType, id: 'issue_alert' }, { replace: true });
    try {
      const replaced = notificationType('issue_alert')!;
      expect(() => replaced.parse(builtPayload(issueAlertType, structuredClone(checked)))).toThrow(/used/);
    } finally {
      registerNotificationType(issueAlertType, { replace: true });
    }
  });
});
