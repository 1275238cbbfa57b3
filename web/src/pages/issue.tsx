import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import { Link } from '../router';
import type { Session } from '../session';
import type { Issue, Page } from '../types';
import { formatTime, Loading, Notice, PageHeader, relativeTime } from '../ui';
import { matcherText } from './matcher-rows';

const STATUS_LABELS: Readonly<Record<Issue['status'], string>> = {
  unresolved: 'Unresolved',
  resolved: 'Resolved',
  ignored: 'Ignored',
};

/**
 * One issue, where the "View issue" link of every message leads: what it is, how often and since when,
 * and the triage a person does from a message: resolve, reopen, ignore, and (signed in as themselves)
 * take it (assign to me), follow or stop following it.
 */
export function IssuePage(props: { session: Session; id: string }): ReactNode {
  const { session, id } = props;
  const [issue, setIssue] = useState<Issue | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/api/v1/issues/${encodeURIComponent(id)}`;

  useEffect(() => {
    api<Issue>(session.token, 'GET', path)
      .then(setIssue)
      .catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [session.token, path]);
  useEffect(() => {
    document.title = `${issue?.title ?? 'Issue'} · Herald`;
  }, [issue]);

  const act = useCallback(async (task: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setMessage(null);
    try {
      await task();
      setMessage({ kind: 'ok', text: done });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    } finally {
      setBusy(false);
    }
  }, []);
  /** Changes the issue (status, assignee) and shows it as the API answers. */
  const update = (
    change: { status?: Issue['status']; assignee?: { type: 'user'; id: string } | null },
    done: string,
  ) => act(async () => setIssue(await api<Issue>(session.token, 'PATCH', path, change)), done);
  const follow = (on: boolean) =>
    act(
      async () => {
        const subscription = await api<{ subscribed: boolean; reason: string }>(
          session.token,
          on ? 'POST' : 'DELETE',
          `${path}/subscription`,
        );
        setIssue((current) => current && { ...current, subscription });
      },
      on ? 'You follow this issue: its changes reach you.' : 'You no longer follow this issue.',
    );

  if (!issue) {
    return (
      <section aria-labelledby="page-title">
        <PageHeader title="Issue" />
        {message ? <Notice kind={message.kind}>{message.text}</Notice> : <Loading what="the issue" />}
      </section>
    );
  }
  const following = issue.subscription?.subscribed === true;
  const me = session.kind === 'user' ? session.me.id : null;
  const mine = issue.assignee?.type === 'user' && issue.assignee.id === me;
  const assignedTo = !issue.assignee
    ? 'unassigned'
    : mine
      ? 'assigned to you'
      : `assigned to ${issue.assignee.type === 'team' ? 'team ' : ''}${issue.assignee.name}`;
  const event = issue.latestEvent ?? null;
  const environments = issue.environments ?? [];
  const inhibitors = issue.inhibitedBy ?? [];
  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title={issue.title}
        actions={
          <>
            {issue.status === 'unresolved' ? (
              <>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void update({ status: 'resolved' }, 'Resolved.')}
                >
                  Resolve
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={busy}
                  onClick={() =>
                    void update({ status: 'ignored' }, 'Ignored: it alerts no more until you reopen it.')
                  }
                >
                  Ignore
                </button>
              </>
            ) : (
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void update({ status: 'unresolved' }, 'Reopened.')}
              >
                Reopen
              </button>
            )}
            {me && !mine ? (
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void update({ assignee: { type: 'user', id: me } }, 'Assigned to you.')}
              >
                Assign to me
              </button>
            ) : null}
            {issue.assignee ? (
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void update({ assignee: null }, 'Unassigned.')}
              >
                Unassign
              </button>
            ) : null}
            {session.kind === 'user' ? (
              <button
                type="button"
                className="secondary"
                disabled={busy}
                aria-pressed={following}
                onClick={() => void follow(!following)}
              >
                {following ? 'Following' : 'Follow'}
              </button>
            ) : null}
          </>
        }
      >
        {issue.culprit || 'No culprit recorded.'}
      </PageHeader>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {issue.silencedBy?.map((silence) => (
        <Notice key={silence.id} kind="info">
          <span data-testid="issue-silenced">
            Silenced until {formatTime(silence.endsAt)}: its alerts fire no rule while{' '}
            {silence.matchers.map(matcherText).join(', ')} holds (“{silence.comment}”, {silence.createdBy}).
          </span>{' '}
          <Link to="/silences">Silences</Link>
        </Notice>
      ))}
      {inhibitors.length > 0 ? (
        <Notice kind="info">
          <span data-testid="issue-inhibited">
            An inhibit rule of the project mutes its alerts while{' '}
            {inhibitors.length === 1 ? 'the issue ' : 'the issues '}
            {inhibitors.map((id, i) => (
              <span key={id}>
                {i > 0 ? ', ' : ''}
                <Link to={`/issues/${encodeURIComponent(id)}`}>
                  {inhibitors.length === 1 ? 'that inhibits it' : `${i + 1}`}
                </Link>
              </span>
            ))}{' '}
            {inhibitors.length === 1 ? 'fires.' : 'fire.'}
          </span>
        </Notice>
      ) : null}
      {issue.status === 'unresolved' && issue.alertEndsAt ? (
        <Notice kind="info">
          <span data-testid="issue-alert-ends">
            Its Prometheus alert ends at {formatTime(issue.alertEndsAt)} unless Prometheus sends it again; the
            issue is resolved then.
          </span>
        </Notice>
      ) : null}
      <dl className="tiles">
        <div>
          <dt>Status</dt>
          <dd data-testid="issue-status">{STATUS_LABELS[issue.status]}</dd>
        </div>
        <div>
          <dt>Level</dt>
          <dd>{issue.level}</dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd>{issue.timesSeen.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Users</dt>
          <dd>{issue.usersSeen.toLocaleString()}</dd>
        </div>
        <div>
          <dt>First seen</dt>
          <dd>
            <small>{formatTime(issue.firstSeen)}</small>
          </dd>
        </div>
        <div>
          <dt>Last seen</dt>
          <dd>
            <small>{relativeTime(issue.lastSeen)}</small>
          </dd>
        </div>
      </dl>
      <p className="muted">
        Priority {issue.priority}
        {environments.length > 0 ? ` · environments: ${environments.map((e) => e.name).join(', ')}` : ''}
        {` · ${assignedTo}`}
      </p>
      {event ? (
        <>
          <h2>Latest event</h2>
          <pre className="error-box">{String(event.message ?? '')}</pre>
        </>
      ) : null}
    </section>
  );
}

/** A project's unresolved issues, where a digest's "View issues" link leads; each opens its page. */
export function ProjectIssuesPage(props: { session: Session; org: string; project: string }): ReactNode {
  const { session, org, project } = props;
  const [issues, setIssues] = useState<readonly Issue[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/v1/projects/${encodeURIComponent(org)}/${encodeURIComponent(project)}/issues`;

  useEffect(() => {
    document.title = `Issues of ${project} · Herald`;
    api<Page<Issue>>(session.token, 'GET', `${base}?status=unresolved&limit=100`)
      .then((page) => setIssues(page.data))
      .catch((e: unknown) => setError(describeError(e)));
  }, [session.token, base, project]);

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={`Issues of ${project}`}>Unresolved, most recently seen first.</PageHeader>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {issues === null ? (
        error ? null : (
          <Loading what="issues" />
        )
      ) : issues.length === 0 ? (
        <div className="empty">
          <p>No unresolved issues.</p>
        </div>
      ) : (
        <ul className="plain-list">
          {issues.map((issue) => (
            <li key={issue.id} data-testid="issue-item">
              <div>
                <p>
                  <Link to={`/issues/${issue.id}`}>{issue.title}</Link>
                </p>
                <p className="muted">
                  {issue.level} · {issue.timesSeen.toLocaleString()} events · last seen{' '}
                  {relativeTime(issue.lastSeen)}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
