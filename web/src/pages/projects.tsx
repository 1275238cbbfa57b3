import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, describeError } from '../api';
import { Link } from '../router';
import type { Org, Page, Project, Team } from '../types';
import { Field, formatTime, Loading, Notice, PageHeader } from '../ui';
import { ConfirmDelete, useDeletion } from './confirm-delete';

/** The outcome of the page's last deletion. */
interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** The item whose deletion waits for its confirmation: one at a time. */
type Confirming = { readonly kind: 'project' | 'team'; readonly id: string } | null;

/**
 * The organization's projects and teams. Everyone in it reads them; its owners and admins (`manage`)
 * delete them, each after a confirmation that says what goes with it.
 */
export function ProjectsPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const { token, org, manage } = props;
  const base = `/api/v1/orgs/${encodeURIComponent(org.slug)}`;
  const [projects, setProjects] = useState<readonly Project[] | null>(null);
  const [teams, setTeams] = useState<readonly Team[] | null>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const load = useCallback(async () => {
    const [p, t] = await Promise.all([
      api<Page<Project>>(token, 'GET', `${base}/projects`),
      api<Page<Team>>(token, 'GET', `${base}/teams`),
    ]);
    setProjects(p.data);
    setTeams(t.data);
  }, [token, base]);

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const confirm = (kind: 'project' | 'team', id: string) => {
    setMessage(null);
    setConfirming({ kind, id });
  };
  const deleted = async (text: string) => {
    setConfirming(null);
    setMessage({ kind: 'ok', text });
    await load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  };
  const open = (kind: 'project' | 'team', id: string) => confirming?.kind === kind && confirming.id === id;

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Projects & teams">
        The projects that send events to Herald, and the teams that rules and assignments name.
      </PageHeader>
      {manage ? null : (
        <p className="muted">
          You read this organization's projects and teams; its owners and admins change them.
        </p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}

      <section className="org-section" aria-labelledby="projects-title">
        <h2 id="projects-title">Projects</h2>
        {projects === null ? (
          <Loading what="projects" />
        ) : projects.length === 0 ? (
          <div className="empty">
            <p>No projects yet.</p>
            <p className="muted">
              Create one with <code>POST /api/v1/orgs/{org.slug}/projects</code>; its DSN is in the answer.
            </p>
          </div>
        ) : (
          <ul className="rule-list">
            {projects.map((p) => {
              const names = (teams ?? []).filter((t) => p.teamIds.includes(t.id)).map((t) => t.name);
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
                  <div className="button-row">
                    <Link
                      to={`/orgs/${encodeURIComponent(org.slug)}/projects/${encodeURIComponent(p.slug)}/issues`}
                    >
                      Unresolved issues
                    </Link>
                    {manage && !open('project', p.id) ? (
                      <button type="button" className="danger small" onClick={() => confirm('project', p.id)}>
                        Delete
                      </button>
                    ) : null}
                  </div>
                  {manage && open('project', p.id) ? (
                    <ConfirmProjectDeletion
                      token={token}
                      path={`${base}/projects/${encodeURIComponent(p.slug)}`}
                      project={p}
                      onCancel={() => setConfirming(null)}
                      onDeleted={() =>
                        void deleted(
                          `Project “${p.name}” deleted. Its data is being removed in the background.`,
                        )
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
        <h2 id="teams-title">Teams</h2>
        {teams === null ? (
          <Loading what="teams" />
        ) : teams.length === 0 ? (
          <div className="empty">
            <p>No teams yet.</p>
            <p className="muted">
              Create one with <code>POST /api/v1/orgs/{org.slug}/teams</code>, then send alerts to it.
            </p>
          </div>
        ) : (
          <ul className="rule-list">
            {teams.map((t) => (
              <li key={t.id} className="card rule-item" data-testid="team-item">
                <div className="rule-head">
                  <h3>{t.name}</h3>
                  <span className="tag">{t.slug}</span>
                </div>
                <p className="muted small">
                  {t.memberIds.length} member{t.memberIds.length === 1 ? '' : 's'} · added{' '}
                  {formatTime(t.createdAt)}
                </p>
                {manage && !open('team', t.id) ? (
                  <div className="button-row">
                    <button type="button" className="danger small" onClick={() => confirm('team', t.id)}>
                      Delete
                    </button>
                  </div>
                ) : null}
                {manage && open('team', t.id) ? (
                  <ConfirmTeamDeletion
                    token={token}
                    path={`${base}/teams/${encodeURIComponent(t.id)}`}
                    team={t}
                    onCancel={() => setConfirming(null)}
                    onDeleted={() => void deleted(`Team “${t.name}” deleted.`)}
                  />
                ) : null}
              </li>
            ))}
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
      onConfirm={() =>
        void deletion.run(async () => {
          await api(props.token, 'DELETE', props.path);
          props.onDeleted();
        })
      }
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
  // Focus starts on the safe choice: Enter pressed twice must not delete the team anyway.
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => cancel.current?.focus(), []);

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
      cancelRef={cancel}
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
