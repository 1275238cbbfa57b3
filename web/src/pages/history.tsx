import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError, query } from '../api';
import { Link, usePath } from '../router';
import {
  CHANNELS,
  type Integration,
  type Member,
  type Notification,
  type Org,
  type Page,
  type Project,
} from '../types';
import { Field, formatTime, Loading, label, Notice, PageHeader, recipientName, SelectField } from '../ui';
import { AnalyticsView } from './analytics';
import { DeadLetters } from './dead-letters';
import { Timeline } from './timeline';

const STATUSES = ['pending', 'sent', 'failed', 'dead', 'suppressed', 'deferred', 'digested'] as const;
const TYPES = [
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

interface Filters {
  project: string;
  type: string;
  channel: string;
  status: string;
  recipient: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { project: '', type: '', channel: '', status: '', recipient: '', from: '', to: '' };

/** History and analytics: notifications with filters and timelines, charts, dead letters. */
export function HistoryPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const path = usePath();
  const tab = path.startsWith('/history/analytics')
    ? 'analytics'
    : path.startsWith('/history/dead')
      ? 'dead'
      : 'list';
  const [members, setMembers] = useState<readonly Member[]>([]);
  const [projects, setProjects] = useState<readonly Project[]>([]);
  const [integrations, setIntegrations] = useState<readonly Integration[]>([]);
  const [titles, setTitles] = useState<ReadonlyMap<string, string>>(new Map());

  useEffect(() => {
    const org = props.org.slug;
    api<Page<Integration>>(props.token, 'GET', `/api/v1/orgs/${org}/integrations`)
      .then((i) => setIntegrations(i.data))
      .catch(() => setIntegrations([]));
    api<Page<Member>>(props.token, 'GET', `/api/v1/orgs/${org}/members`)
      .then((m) => setMembers(m.data))
      .catch(() => setMembers([]));
    api<Page<Project>>(props.token, 'GET', `/api/v1/orgs/${org}/projects`)
      .then(async (p) => {
        setProjects(p.data);
        // Notifications name their issue by id; the recent issues of each project give the titles.
        const pages = await Promise.all(
          p.data.map((project) =>
            api<Page<{ id: string; title: string }>>(
              props.token,
              'GET',
              `/api/v1/projects/${org}/${project.slug}/issues?limit=100`,
            ).catch(() => ({ data: [] })),
          ),
        );
        setTitles(new Map(pages.flatMap((page) => page.data.map((i) => [i.id, i.title] as const))));
      })
      .catch(() => setProjects([]));
  }, [props.token, props.org.slug]);

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="History">
        Every notification, who it went to, and what became of each delivery, with the reason when it was not
        sent.
      </PageHeader>
      <nav className="tabs" aria-label="History views">
        <Link to="/history" current={tab === 'list'}>
          Notifications
        </Link>
        <Link to="/history/analytics" current={tab === 'analytics'}>
          Analytics
        </Link>
        <Link to="/history/dead" current={tab === 'dead'}>
          Dead letters
        </Link>
      </nav>
      {tab === 'list' ? (
        <NotificationList
          {...props}
          members={members}
          projects={projects}
          integrations={integrations}
          titles={titles}
        />
      ) : null}
      {tab === 'analytics' ? <AnalyticsView token={props.token} org={props.org} /> : null}
      {tab === 'dead' ? (
        <DeadLetters
          token={props.token}
          org={props.org}
          members={members}
          integrations={integrations}
          manage={props.manage}
        />
      ) : null}
    </section>
  );
}

function NotificationList(props: {
  token: string;
  org: Org;
  members: readonly Member[];
  projects: readonly Project[];
  integrations: readonly Integration[];
  titles: ReadonlyMap<string, string>;
}): ReactNode {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [items, setItems] = useState<readonly Notification[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const fetchPage = useCallback(
    async (after: string | null) => {
      const toIso = (d: string, end: boolean) =>
        d ? new Date(`${d}T${end ? '23:59:59' : '00:00:00'}`).toISOString() : undefined;
      const q = query({
        project: filters.project,
        type: filters.type,
        channel: filters.channel,
        status: filters.status,
        recipient: filters.recipient,
        from: toIso(filters.from, false),
        to: toIso(filters.to, true),
        cursor: after,
        limit: 50,
      });
      return api<Page<Notification>>(props.token, 'GET', `/api/v1/orgs/${props.org.slug}/notifications${q}`);
    },
    [props.token, props.org.slug, filters],
  );

  useEffect(() => {
    setItems(null);
    fetchPage(null)
      .then((page) => {
        setItems(page.data);
        setCursor(page.nextCursor ?? null);
        setError(null);
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [fetchPage]);

  const more = async () => {
    try {
      const page = await fetchPage(cursor);
      setItems((list) => [...(list ?? []), ...page.data]);
      setCursor(page.nextCursor ?? null);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const set = (key: keyof Filters) => (value: string) => setDraft((f) => ({ ...f, [key]: value }));
  const select = (key: keyof Filters, name: string, options: readonly (readonly [string, string])[]) => (
    <SelectField label={name} value={draft[key]} onChange={set(key)} options={[['', 'Any'], ...options]} />
  );
  const who = (id: string) => recipientName(id, props.members, props.integrations);

  return (
    <>
      <form className="card filters" onSubmit={apply} aria-label="Filter notifications">
        {select(
          'project',
          'Project',
          props.projects.map((p) => [p.slug, p.name] as const),
        )}
        {select(
          'type',
          'Type',
          TYPES.map((t) => [t, label(t)] as const),
        )}
        {select(
          'channel',
          'Channel',
          CHANNELS.map((c) => [c, label(c)] as const),
        )}
        {select(
          'status',
          'Status',
          STATUSES.map((s) => [s, s] as const),
        )}
        {select(
          'recipient',
          'Recipient',
          props.members.map((m) => [m.userId, m.name || m.email] as const),
        )}
        <Field label="From">
          {(ids) => (
            <input id={ids.id} type="date" value={draft.from} onChange={(e) => set('from')(e.target.value)} />
          )}
        </Field>
        <Field label="To">
          {(ids) => (
            <input id={ids.id} type="date" value={draft.to} onChange={(e) => set('to')(e.target.value)} />
          )}
        </Field>
        <div className="filter-actions">
          <button type="submit">Apply</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setFilters(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {items === null ? (
        <Loading what="notifications" />
      ) : items.length === 0 ? (
        <div className="empty">
          <p>No notifications match.</p>
          <p className="muted">When a rule fires, its notification and every delivery appear here.</p>
        </div>
      ) : (
        <ul className="history-list">
          {items.map((n) => (
            <li key={n.id} className="history-item" data-testid="history-item">
              <button
                type="button"
                className="history-summary"
                aria-expanded={open === n.id}
                onClick={() => setOpen(open === n.id ? null : n.id)}
              >
                <span className="tag">{label(n.type)}</span>
                <span className="history-title">
                  {n.issueId
                    ? (props.titles.get(n.issueId) ?? `Issue ${n.issueId.slice(-8)}`)
                    : label(n.type)}
                  <span className="muted">
                    {' '}
                    · {props.projects.find((p) => p.id === n.projectId)?.name ?? 'Organization'}
                  </span>
                </span>
                <span className="statuses">
                  {n.deliveries.map((d) => (
                    <span
                      key={d.id}
                      className={`status status-${d.status}`}
                      title={`${who(d.recipient.id)} by ${label(d.channel)}`}
                    >
                      {label(d.channel)}: {d.status}
                      {d.reason ? ` · ${d.reason}` : ''}
                    </span>
                  ))}
                  {n.deliveries.length === 0 ? <span className="muted">no deliveries</span> : null}
                </span>
                <time dateTime={n.createdAt}>{formatTime(n.createdAt)}</time>
              </button>
              {open === n.id ? (
                <Timeline
                  token={props.token}
                  org={props.org}
                  notification={n}
                  who={who}
                  projects={props.projects}
                />
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {cursor ? (
        <button type="button" className="secondary" onClick={() => void more()}>
          Show older
        </button>
      ) : null}
    </>
  );
}
