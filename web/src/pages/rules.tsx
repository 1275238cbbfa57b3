import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import { Link } from '../router';
import type { Integration, Member, Org, Page, Project, Rule, Team } from '../types';
import { formatTime, Loading, Notice, PageHeader, ProjectPicker } from '../ui';
import { RuleForm } from './rule-form';

/** What the rule form offers in its pickers. */
export interface RuleContext {
  readonly members: readonly Member[];
  readonly teams: readonly Team[];
  readonly integrations: readonly Integration[];
}

const SNOOZE_FOR: readonly [string, number | null][] = [
  ['1 hour', 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 7 * 86_400_000],
  ['until I lift it', null],
];

/**
 * Alert rules of a project: list, create, edit, preview, snooze. `?project=…&rule=…` (the link of a
 * rule's saved message) opens that project, and that rule in the editor. Who may change the
 * organization (`manage`) creates, edits, deletes and snoozes for everyone; a person (`me`) snoozes a
 * rule for themselves.
 */
export function RulesPage(props: { token: string; org: Org; manage: boolean; me: string | null }): ReactNode {
  const { token, org, manage, me } = props;
  const [linked] = useState(() => new URLSearchParams(window.location.search));
  const [wanted, setWanted] = useState(() => linked.get('rule'));
  const [projects, setProjects] = useState<readonly Project[] | null>(null);
  const [projectSlug, setProjectSlug] = useState<string>(() => linked.get('project') ?? '');
  const [rules, setRules] = useState<readonly Rule[] | null>(null);
  const [context, setContext] = useState<RuleContext>({ members: [], teams: [], integrations: [] });
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  useEffect(() => {
    const o = org.slug;
    Promise.all([
      api<Page<Project>>(token, 'GET', `/api/v1/orgs/${o}/projects`),
      api<Page<Member>>(token, 'GET', `/api/v1/orgs/${o}/members`),
      api<Page<Team>>(token, 'GET', `/api/v1/orgs/${o}/teams`),
      api<Page<Integration>>(token, 'GET', `/api/v1/orgs/${o}/integrations`),
    ])
      .then(([p, members, teams, integrations]) => {
        setProjects(p.data);
        setProjectSlug((current) =>
          p.data.some((project) => project.slug === current) ? current : p.data[0]?.slug || '',
        );
        setContext({ members: members.data, teams: teams.data, integrations: integrations.data });
      })
      .catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [token, org.slug]);

  const base = `/api/v1/projects/${org.slug}/${projectSlug}/rules`;
  const load = useCallback(async () => {
    if (!projectSlug) return;
    const page = await api<Page<Rule>>(token, 'GET', base);
    setRules(page.data);
  }, [token, base, projectSlug]);

  // The linked rule opens once, when its project's rules arrive.
  useEffect(() => {
    if (!wanted || rules === null) return;
    const rule = rules.find((r) => r.id === wanted);
    setWanted(null);
    // Who may not change it reads it in the list, where the link leads them.
    if (rule && manage) setEditing(rule);
    else if (!rule) setMessage({ kind: 'error', text: 'The linked rule is not in this project any more.' });
  }, [wanted, rules, manage]);

  useEffect(() => {
    setRules(null);
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const act = async (task: () => Promise<unknown>, done: string) => {
    setMessage(null);
    try {
      await task();
      await load();
      setMessage({ kind: 'ok', text: done });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const snooze = (rule: Rule, target: 'everyone' | 'me', forMs: number | null) =>
    act(
      () =>
        api(token, 'POST', `${base}/${rule.id}/snooze`, {
          target,
          until: forMs === null ? null : new Date(Date.now() + forMs).toISOString(),
        }),
      target === 'me' ? `“${rule.name}” is snoozed for you.` : `“${rule.name}” is snoozed.`,
    );
  const unsnooze = (rule: Rule, target: 'everyone' | 'me') =>
    act(() => api(token, 'DELETE', `${base}/${rule.id}/snooze?target=${target}`), 'Snooze lifted.');

  if (projects === null)
    return message ? <Notice kind={message.kind}>{message.text}</Notice> : <Loading what="projects" />;

  if (editing) {
    return (
      <RuleForm
        token={token}
        base={base}
        project={projects.find((p) => p.slug === projectSlug)}
        rule={editing === 'new' ? null : editing}
        context={context}
        onDone={(saved) => {
          setEditing(null);
          void load();
          if (saved) setMessage({ kind: 'ok', text: `Rule “${saved.name}” saved.` });
        }}
      />
    );
  }

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Alert rules"
        actions={
          projectSlug && manage ? (
            <button type="button" onClick={() => setEditing('new')}>
              New rule
            </button>
          ) : null
        }
      >
        When an issue matches a rule's conditions and filters, Herald runs its actions, at most once per issue
        per interval.
      </PageHeader>
      <ProjectPicker projects={projects} value={projectSlug} onChange={setProjectSlug} />
      {manage ? null : (
        <p className="muted">You read this organization's rules; its owners and admins change them.</p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {rules === null ? (
        projectSlug ? (
          <Loading what="rules" />
        ) : null
      ) : rules.length === 0 ? (
        <div className="empty">
          <p>No rules in this project yet.</p>
          <p className="muted">Create one to be told about new issues, regressions or spikes.</p>
        </div>
      ) : (
        <ul className="rule-list">
          {rules.map((rule) => {
            const snoozed = rule.snoozes.find((s) => s.target === 'everyone');
            const mine = rule.snoozes.find((s) => s.target === 'user' && s.userId === me);
            return (
              <li key={rule.id} className="card rule-item" data-testid="rule-item">
                <div className="rule-head">
                  <h2>{rule.name}</h2>
                  {snoozed ? (
                    <span className="tag tag-warn">
                      Snoozed{snoozed.until ? ` until ${formatTime(snoozed.until)}` : ''}
                    </span>
                  ) : null}
                  {mine ? (
                    <span className="tag tag-warn">
                      Snoozed for you{mine.until ? ` until ${formatTime(mine.until)}` : ''}
                    </span>
                  ) : null}
                </div>
                <p className="muted">
                  {rule.conditions.length} condition{rule.conditions.length === 1 ? '' : 's'} ·{' '}
                  {rule.filters.length} filter
                  {rule.filters.length === 1 ? '' : 's'} ·{' '}
                  {rule.actions.map((a) => a.id.replace('notify_', '')).join(', ')} · every {rule.frequency}{' '}
                  min{rule.environment ? ` · ${rule.environment}` : ''}
                </p>
                <div className="button-row">
                  {manage ? (
                    <button type="button" className="secondary small" onClick={() => setEditing(rule)}>
                      Edit
                    </button>
                  ) : null}
                  {manage ? (
                    <SnoozeControl
                      label="Snooze for everyone"
                      liftLabel="Unsnooze"
                      snoozed={Boolean(snoozed)}
                      onSnooze={(forMs) => void snooze(rule, 'everyone', forMs)}
                      onLift={() => void unsnooze(rule, 'everyone')}
                    />
                  ) : null}
                  {me ? (
                    <SnoozeControl
                      label="Snooze for me"
                      liftLabel="Unsnooze for me"
                      snoozed={Boolean(mine)}
                      onSnooze={(forMs) => void snooze(rule, 'me', forMs)}
                      onLift={() => void unsnooze(rule, 'me')}
                    />
                  ) : null}
                  {manage ? (
                    <button
                      type="button"
                      className="danger small"
                      onClick={() => {
                        if (window.confirm(`Delete the rule “${rule.name}”?`)) {
                          void act(() => api(token, 'DELETE', `${base}/${rule.id}`), 'Rule deleted.');
                        }
                      }}
                    >
                      Delete
                    </button>
                  ) : null}
                </div>
                <RuleHistoryView token={token} path={`${base}/${rule.id}/history`} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

interface RuleHistoryRow {
  readonly issueId: string;
  readonly title: string;
  readonly count: number;
  readonly lastTriggered: string;
  readonly quietUntil: string | null;
}

/**
 * The issues a rule fired for over the last 7 days, read when opened: how often, when last, and until
 * when the rule stays quiet about each (why a new event of it brought no alert).
 */
function RuleHistoryView(props: { token: string; path: string }): ReactNode {
  const [rows, setRows] = useState<readonly RuleHistoryRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    if (rows !== null) return;
    api<{ data: RuleHistoryRow[] }>(props.token, 'GET', props.path)
      .then((answer) => setRows(answer.data))
      .catch((e: unknown) => setError(describeError(e)));
  };
  return (
    <details className="rule-history" onToggle={(e) => (e.currentTarget.open ? load() : undefined)}>
      <summary>Fired for (last 7 days)</summary>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {rows === null ? (
        error ? null : (
          <Loading what="history" />
        )
      ) : rows.length === 0 ? (
        <p className="muted">No issue in the last 7 days.</p>
      ) : (
        <ul>
          {rows.map((r) => (
            <li key={r.issueId} data-testid="rule-history-row">
              <Link to={`/issues/${encodeURIComponent(r.issueId)}`}>{r.title}</Link> · {r.count}{' '}
              {r.count === 1 ? 'time' : 'times'}, last {formatTime(r.lastTriggered)}
              {r.quietUntil ? ` · quiet about it until ${formatTime(r.quietUntil)}` : ''}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** Snoozes a rule for a while (a choice of SNOOZE_FOR), or lifts the snooze it has. */
function SnoozeControl(props: {
  label: string;
  liftLabel: string;
  snoozed: boolean;
  onSnooze: (forMs: number | null) => void;
  onLift: () => void;
}): ReactNode {
  if (props.snoozed) {
    return (
      <button type="button" className="secondary small" onClick={props.onLift}>
        {props.liftLabel}
      </button>
    );
  }
  return (
    <label className="inline-select">
      <span>{props.label}</span>
      <select
        value=""
        onChange={(e) => {
          const choice = SNOOZE_FOR[Number(e.target.value)];
          if (choice) props.onSnooze(choice[1]);
        }}
      >
        <option value="">…</option>
        {SNOOZE_FOR.map(([name], i) => (
          <option key={name} value={i}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}
