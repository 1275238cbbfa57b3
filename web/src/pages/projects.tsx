import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, describeError } from '../api';
import { Link, navigate } from '../router';
import type { Member, Org, Page, Project, Team } from '../types';
import { Field, formatTime, Loading, Notice, PageHeader } from '../ui';
import { ConfirmDelete, useDeletion } from './confirm-delete';
import { OrgNameForm } from './org-name';
import { describeRateLimit, EditProjectForm } from './project-edit';
import { ProjectForm, ProjectKeys } from './project-form';
import { EditTeamForm, NewTeamForm } from './team-form';

/** The outcome of the page's last change. */
interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** The item whose deletion waits for its confirmation: one at a time. */
type Confirming = { readonly kind: 'project' | 'team'; readonly id: string } | null;

/** The form open on the page: one at a time, so the page reads as one task. */
type Open =
  | { readonly kind: 'new-project' | 'new-team' }
  | { readonly kind: 'edit-project' | 'edit-team'; readonly id: string }
  | null;

/**
 * The organization's projects and teams. Everyone in it reads them, with each project's DSN, the
 * address Prometheus posts to and its ingest limit; its owners and admins (`manage`) create them, rename
 * them, change a project's teams and limit and a team's members, and delete them, each after a
 * confirmation that says what goes with it. With the admin token (`createsOrgs`), another organization
 * is created from here.
 */
export function ProjectsPage(props: {
  token: string;
  org: Org;
  manage: boolean;
  createsOrgs: boolean;
  /** Told the organization as renamed (the header and the organization list show the new name). */
  onOrgRenamed?: (org: Org) => void;
}): ReactNode {
  const { token, org, manage } = props;
  const base = `/api/v1/orgs/${encodeURIComponent(org.slug)}`;
  const [projects, setProjects] = useState<readonly Project[] | null>(null);
  const [teams, setTeams] = useState<readonly Team[] | null>(null);
  const [members, setMembers] = useState<readonly Member[]>([]);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [opened, setOpened] = useState<Open>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [created, setCreated] = useState<Project | null>(null);

  const load = useCallback(async () => {
    const [p, t, m] = await Promise.all([
      api<Page<Project>>(token, 'GET', `${base}/projects`),
      api<Page<Team>>(token, 'GET', `${base}/teams`),
      api<Page<Member>>(token, 'GET', `${base}/members`),
    ]);
    setProjects(p.data);
    setTeams(t.data);
    setMembers(m.data);
  }, [token, base]);

  const reload = () => load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const start = (next: Open) => {
    setMessage(null);
    setCreated(null);
    setConfirming(null);
    setOpened(next);
  };
  const confirm = (kind: 'project' | 'team', id: string) => {
    setMessage(null);
    setCreated(null);
    setOpened(null);
    setConfirming({ kind, id });
  };
  const done = async (text: string) => {
    setConfirming(null);
    setOpened(null);
    setMessage({ kind: 'ok', text });
    await reload();
  };
  const open = (kind: 'project' | 'team', id: string) => confirming?.kind === kind && confirming.id === id;
  const nameOf = (userId: string) => {
    const m = members.find((x) => x.userId === userId);
    return m ? m.name || m.email : userId;
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Projects & teams"
        actions={
          props.createsOrgs ? (
            <button type="button" className="secondary" onClick={() => navigate('/orgs/new')}>
              New organization
            </button>
          ) : null
        }
      >
        The projects that send events to Herald, and the teams that rules and assignments name.
      </PageHeader>
      {manage ? null : (
        <p className="muted">
          You read this organization's projects and teams; its owners and admins change them.
        </p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {manage && props.onOrgRenamed ? (
        <OrgNameForm token={token} org={org} onRenamed={props.onOrgRenamed} />
      ) : null}

      <section className="org-section" aria-labelledby="projects-title">
        <div className="section-head">
          <h2 id="projects-title">Projects</h2>
          {manage && opened?.kind !== 'new-project' ? (
            <button type="button" onClick={() => start({ kind: 'new-project' })}>
              New project
            </button>
          ) : null}
        </div>
        {manage && opened?.kind === 'new-project' ? (
          <ProjectForm
            token={token}
            base={base}
            teams={teams ?? []}
            onCancel={() => setOpened(null)}
            onCreated={(project) => {
              setOpened(null);
              setCreated(project);
              void reload();
            }}
          />
        ) : null}
        {created ? (
          <div className="card project-created" role="status" data-testid="project-created">
            <p>
              <strong>Project “{created.name}” created.</strong> Give its DSN to a Sentry SDK, or point
              Prometheus at it; both stay below, with the project.
            </p>
            <ProjectKeys org={org.slug} project={created} />
          </div>
        ) : null}
        {projects === null ? (
          <Loading what="projects" />
        ) : projects.length === 0 ? (
          <div className="empty">
            <p>No projects yet.</p>
            <p className="muted">
              {manage
                ? 'Create one: its DSN is what an SDK sends events with.'
                : 'Its owners and admins create them.'}
            </p>
          </div>
        ) : (
          <ul className="rule-list">
            {projects.map((p) => {
              const names = (teams ?? []).filter((t) => p.teamIds.includes(t.id)).map((t) => t.name);
              const editing = opened?.kind === 'edit-project' && opened.id === p.id;
              const path = `${base}/projects/${encodeURIComponent(p.slug)}`;
              return (
                <li key={p.id} className="card rule-item" data-testid="project-item">
                  <div className="rule-head">
                    <h3>{p.name}</h3>
                    <span className="tag">{p.slug}</span>
                    {p.platform ? <span className="tag">{p.platform}</span> : null}
                  </div>
                  <p className="muted small">
                    Added {formatTime(p.createdAt)}
                    {names.length > 0 ? ` · teams: ${names.join(', ')}` : ''}
                  </p>
                  {p.rateLimit ? (
                    <p className="small" data-testid="project-rate-limit">
                      Takes {describeRateLimit(p.rateLimit)}; more are refused with 429.
                    </p>
                  ) : null}
                  <ProjectKeys org={org.slug} project={p} />
                  <div className="button-row">
                    <Link
                      to={`/orgs/${encodeURIComponent(org.slug)}/projects/${encodeURIComponent(p.slug)}/issues`}
                    >
                      Unresolved issues
                    </Link>
                    {manage && !editing && !open('project', p.id) ? (
                      <>
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() => start({ kind: 'edit-project', id: p.id })}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="danger small"
                          onClick={() => confirm('project', p.id)}
                        >
                          Delete
                        </button>
                      </>
                    ) : null}
                  </div>
                  {manage && editing ? (
                    <EditProjectForm
                      token={token}
                      path={path}
                      project={p}
                      teams={teams ?? []}
                      onCancel={() => setOpened(null)}
                      onSaved={(project) => void done(`Project “${project.name}” saved.`)}
                    />
                  ) : null}
                  {manage && open('project', p.id) ? (
                    <ConfirmProjectDeletion
                      token={token}
                      path={path}
                      project={p}
                      onCancel={() => setConfirming(null)}
                      onDeleted={() =>
                        void done(`Project “${p.name}” deleted. Its data is being removed in the background.`)
                      }
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <section className="org-section" aria-labelledby="teams-title">
        <div className="section-head">
          <h2 id="teams-title">Teams</h2>
          {manage && opened?.kind !== 'new-team' ? (
            <button type="button" onClick={() => start({ kind: 'new-team' })}>
              New team
            </button>
          ) : null}
        </div>
        {manage && opened?.kind === 'new-team' ? (
          <NewTeamForm
            token={token}
            base={base}
            members={members}
            onCancel={() => setOpened(null)}
            onCreated={(team) => void done(`Team “${team.name}” created.`)}
          />
        ) : null}
        {teams === null ? (
          <Loading what="teams" />
        ) : teams.length === 0 ? (
          <div className="empty">
            <p>No teams yet.</p>
            <p className="muted">
              {manage
                ? 'Create one to send alerts to a group of people, or to assign issues to it.'
                : 'Its owners and admins create them.'}
            </p>
          </div>
        ) : (
          <ul className="rule-list">
            {teams.map((t) => {
              const editing = opened?.kind === 'edit-team' && opened.id === t.id;
              const path = `${base}/teams/${encodeURIComponent(t.id)}`;
              return (
                <li key={t.id} className="card rule-item" data-testid="team-item">
                  <div className="rule-head">
                    <h3>{t.name}</h3>
                    <span className="tag">{t.slug}</span>
                  </div>
                  <p className="small">
                    {t.memberIds.length === 0
                      ? 'No members'
                      : `Members: ${t.memberIds.map(nameOf).join(', ')}`}
                  </p>
                  <p className="muted small">Added {formatTime(t.createdAt)}</p>
                  {manage && !editing && !open('team', t.id) ? (
                    <div className="button-row">
                      <button
                        type="button"
                        className="secondary small"
                        onClick={() => start({ kind: 'edit-team', id: t.id })}
                      >
                        Edit
                      </button>
                      <button type="button" className="danger small" onClick={() => confirm('team', t.id)}>
                        Delete
                      </button>
                    </div>
                  ) : null}
                  {manage && editing ? (
                    <EditTeamForm
                      token={token}
                      path={path}
                      team={t}
                      members={members}
                      onCancel={() => setOpened(null)}
                      onSaved={(team) => void done(`Team “${team.name}” saved.`)}
                    />
                  ) : null}
                  {manage && open('team', t.id) ? (
                    <ConfirmTeamDeletion
                      token={token}
                      path={path}
                      team={t}
                      onCancel={() => setConfirming(null)}
                      onDeleted={() => void done(`Team “${t.name}” deleted.`)}
                    />
                  ) : null}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </section>
  );
}

/**
 * Asks for the project's slug before deleting it: the deletion takes its data with it and cannot be
 * undone, so a click alone, or the wrong project's row, must not do it.
 */
function ConfirmProjectDeletion(props: {
  token: string;
  path: string;
  project: Project;
  onCancel: () => void;
  onDeleted: () => void;
}): ReactNode {
  const { project } = props;
  const [typed, setTyped] = useState('');
  const deletion = useDeletion();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  return (
    <ConfirmDelete
      label={`Delete project ${project.name}`}
      title={`Delete the project “${project.name}”?`}
      deleteLabel="Delete this project"
      deletion={deletion}
      blocked={typed !== project.slug}
      onConfirm={() => void deletion.remove(props.token, props.path, props.onDeleted)}
      onCancel={props.onCancel}
    >
      <p>
        Its events, its issues and their history, its alert rules and its releases are deleted, and its DSN
        stops taking events at once. What still waits to be sent about it is not sent.{' '}
        <strong>This cannot be undone.</strong>
      </p>
      <p className="muted small">What was already sent stays in the history until retention removes it.</p>
      <Field label={`Type ${project.slug} to confirm`}>
        {(ids) => (
          <input
            id={ids.id}
            ref={input}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
          />
        )}
      </Field>
    </ConfirmDelete>
  );
}

/**
 * Confirms a team's deletion. One that alert rules send to is kept (409 naming the rules): the rules are
 * shown, and "Delete anyway" deletes it all the same, those rules sending it nothing from then on.
 */
function ConfirmTeamDeletion(props: {
  token: string;
  path: string;
  team: Team;
  onCancel: () => void;
  onDeleted: () => void;
}): ReactNode {
  const { team } = props;
  const deletion = useDeletion();
  const [rulesSendToIt, setRulesSendToIt] = useState<string | null>(null);

  const remove = (force: boolean) =>
    deletion.run(
      async () => {
        await api(props.token, 'DELETE', force ? `${props.path}?force=true` : props.path);
        props.onDeleted();
      },
      (e) => {
        if (!(e instanceof ApiError && e.status === 409)) return false;
        setRulesSendToIt(e.message);
        return true;
      },
    );

  return (
    <ConfirmDelete
      label={`Delete team ${team.name}`}
      title={`Delete the team “${team.name}”?`}
      deleteLabel={rulesSendToIt ? 'Delete anyway' : 'Delete this team'}
      deletion={deletion}
      onConfirm={() => void remove(rulesSendToIt !== null)}
      onCancel={props.onCancel}
    >
      <p>
        Issues assigned to it become unassigned, and it leaves the projects and ownership rules that name it.
        Its members stay in the organization. <strong>This cannot be undone.</strong>
      </p>
      {rulesSendToIt ? (
        <>
          <Notice kind="error">{rulesSendToIt}</Notice>
          <p>Delete it anyway and those rules send it nothing from then on; the history says why.</p>
        </>
      ) : null}
    </ConfirmDelete>
  );
}
