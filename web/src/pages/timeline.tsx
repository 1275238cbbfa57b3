import { type ReactNode, useEffect, useState } from 'react';
import { api } from '../api';
import { Link } from '../router';
import type { Delivery, Notification, Org, Page, Project, Rule } from '../types';
import { formatTime, label } from '../ui';

/** Why a delivery was not sent, in words a recipient understands. */
export const REASONS: Readonly<Record<string, string>> = {
  preference: "The recipient's notification settings turn this type off on this channel.",
  snoozed: 'The recipient had snoozed notifications, or the rule was snoozed for them.',
  unsubscribed: 'The recipient stopped following the issue while this waited.',
  throttled: 'The recipient had reached the rate limit for this channel, so it waited for a digest.',
  duplicate: 'The same message had already gone to this recipient on this channel.',
  unroutable: 'There was no way to reach the recipient on this channel (no address or no integration).',
  integration_disabled: 'The integration for this channel is disabled.',
  project_deleted: 'Its project was deleted before it could be sent.',
  issue_resolved: 'The issue was resolved before this alert could be sent, so no incident was opened.',
  awaiting_trigger: 'Waiting for the alert sent to this service before it, so the resolve follows it.',
  no_incident: 'No alert reached this service for the issue, so there was no incident to resolve.',
  issue_reopened: 'The issue was open again by then, so its incident stays open.',
  quiet_hours:
    "It arrived during the recipient's quiet hours and waited until they ended (alert emails then go out together, in one digest).",
};

const STATUS_TEXT: Readonly<Record<string, string>> = {
  pending: 'Waiting to be sent.',
  sent: 'Sent: the provider accepted it.',
  failed: 'The last attempt failed; it will be tried again.',
  dead: 'Every attempt failed. It is a dead letter and can be retried.',
  suppressed: 'Not sent.',
  deferred: "Held back until the recipient's quiet hours end.",
  digested: 'Added to a digest, sent later with other alerts.',
};

/** "Why did I (not) get this?": the notification's rules and every delivery's decision, in order. */
export function Timeline(props: {
  token: string;
  org: Org;
  notification: Notification;
  who: (id: string) => string;
  projects: readonly Project[];
}): ReactNode {
  const { notification: n } = props;
  const project = props.projects.find((p) => p.id === n.projectId);
  const [rules, setRules] = useState<readonly Rule[]>([]);

  useEffect(() => {
    if (!project || n.ruleIds.length === 0) return;
    api<Page<Rule>>(props.token, 'GET', `/api/v1/projects/${props.org.slug}/${project.slug}/rules`)
      .then((page) => setRules(page.data))
      .catch(() => setRules([]));
  }, [props.token, props.org.slug, project, n.ruleIds.length]);

  const ruleNames = n.ruleIds.map((id) => rules.find((r) => r.id === id)?.name ?? id);

  return (
    <div className="timeline" data-testid="timeline">
      <ol>
        <li>
          <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time>
          <p>
            <strong>{label(n.type)}</strong> created
            {ruleNames.length > 0 ? <> by rule {ruleNames.map((r) => `“${r}”`).join(', ')}</> : null}
            {n.issueId ? (
              <>
                {' '}
                for issue <Link to={`/issues/${encodeURIComponent(n.issueId)}`}>{n.issueId}</Link>
              </>
            ) : null}
            .
          </p>
        </li>
        {n.deliveries.map((d) => (
          <DeliveryStep key={d.id} delivery={d} who={props.who} all={n.deliveries} />
        ))}
      </ol>
      {n.deliveries.length === 0 ? (
        <p className="muted">
          {n.ruleIds.length > 0
            ? "No one was a recipient: the rule's targets resolved to nobody."
            : 'No one was a recipient: nobody follows this issue, or no one is left to tell.'}
        </p>
      ) : null}
    </div>
  );
}

function DeliveryStep(props: {
  delivery: Delivery;
  who: (id: string) => string;
  all: readonly Delivery[];
}): ReactNode {
  const d = props.delivery;
  const recipient = d.recipient.type === 'channel' ? `Channel ${d.recipient.id}` : props.who(d.recipient.id);
  const fallbackOf = d.fallbackOf ? props.all.find((x) => x.id === d.fallbackOf) : undefined;
  return (
    <li className={`step step-${d.status}`} data-testid="timeline-delivery">
      <time dateTime={d.sentAt ?? undefined}>{d.sentAt ? formatTime(d.sentAt) : ''}</time>
      <p>
        <strong>{recipient}</strong> by {label(d.channel)}:{' '}
        <span className={`status status-${d.status}`}>
          {d.status}
          {d.reason ? `: ${d.reason}` : ''}
        </span>
      </p>
      <p className="why">
        {STATUS_TEXT[d.status] ?? ''} {d.reason ? (REASONS[d.reason] ?? '') : ''}
        {d.digestId ? ` Digest ${d.digestId}.` : ''}
      </p>
      <p className="muted small">
        {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
        {d.nextAttemptAt ? ` · next try ${formatTime(d.nextAttemptAt)}` : ''}
        {fallbackOf ? ` · fallback after ${label(fallbackOf.channel)} could not reach them` : ''}
      </p>
      {d.lastError ? <pre className="error-box">{d.lastError}</pre> : null}
    </li>
  );
}
