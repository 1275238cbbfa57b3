import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api';
import { Link } from '../router';
import type { Project, Team } from '../types';
import { CheckList, Copyable, Field, placedInList } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { NameSlugFields, useNameAndSlug } from './name-slug';

/** Platforms Sentry's SDKs report, offered as the platform is typed; any other is taken too. */
const PLATFORMS = [
  'javascript',
  'node',
  'python',
  'java',
  'go',
  'ruby',
  'php',
  'csharp',
  'android',
  'cocoa',
  'flutter',
  'react-native',
  'rust',
  'elixir',
] as const;

/**
 * The address Prometheus posts alerts to for the project, as it posts them to an Alertmanager: Herald's
 * public address is the DSN's, without its key and project number.
 */
export function alertmanagerUrl(dsn: string, org: string, project: string): string | null {
  try {
    const url = new URL(dsn);
    const base = url.pathname.replace(/\/[^/]*$/, '');
    return `${url.protocol}//${url.host}${base}/api/v1/projects/${encodeURIComponent(org)}/${encodeURIComponent(project)}/alertmanager`;
  } catch {
    return null;
  }
}

/**
 * The `alerting:` section of a prometheus.yml that sends alerts to the project's Alertmanager URL.
 * Prometheus takes an Alertmanager apart: scheme, `host:port` as the target (the port written out, as a
 * target needs one) and the path as `path_prefix`; the key goes where the placeholder stands.
 */
export function prometheusAlerting(alertmanager: string): string | null {
  let url: URL;
  try {
    url = new URL(alertmanager);
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, '');
  const port = url.port || (scheme === 'https' ? '443' : '80');
  return [
    'alerting:',
    '  alertmanagers:',
    `    - scheme: ${scheme}`,
    `      path_prefix: ${url.pathname}`,
    '      authorization:',
    `        credentials: ${API_KEY_PLACEHOLDER}`,
    '      static_configs:',
    `        - targets: ["${url.hostname}:${port}"]`,
  ].join('\n');
}

/**
 * The receiver of an alertmanager.yml that sends what an Alertmanager routes to it on to the project
 * (`…/alertmanager/webhook`), resolutions included.
 */
export function alertmanagerReceiver(alertmanager: string): string {
  return [
    'receivers:',
    '  - name: herald',
    '    webhook_configs:',
    `      - url: ${alertmanager}/webhook`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    `            credentials: ${API_KEY_PLACEHOLDER}`,
  ].join('\n');
}

/** Where the snippet wants the key: unmistakably not one, so a paste left as it is fails loudly (401). */
const API_KEY_PLACEHOLDER = '<organization API key>';

/** Where a project's events come from: its DSN for Sentry SDKs, and its address for Prometheus. */
export function ProjectKeys(props: { org: string; project: Project }): ReactNode {
  const { project } = props;
  const alertmanager = alertmanagerUrl(project.dsn, props.org, project.slug);
  const alerting = alertmanager ? prometheusAlerting(alertmanager) : null;
  return (
    <div className="project-keys">
      <Copyable
        label="DSN"
        value={project.dsn}
        hint={
          <>
            For a Sentry SDK:{' '}
            <code>
              Sentry.init({'{'} dsn {'}'})
            </code>
            .
          </>
        }
      />
      {alertmanager ? (
        <Copyable
          label="Alertmanager URL"
          value={alertmanager}
          hint={
            <>
              For Prometheus: the <code>path_prefix</code> of an <code>alertmanagers</code> entry, with an
              organization API key as its credentials.
            </>
          }
        />
      ) : null}
      {alerting ? (
        <details className="prometheus-config">
          <summary>Prometheus configuration</summary>
          <Copyable
            label="prometheus.yml"
            value={alerting}
            rows={8}
            hint={
              <>
                Goes in <code>prometheus.yml</code>; put an organization API key in place of{' '}
                <code>{API_KEY_PLACEHOLDER}</code> (owners and admins make one on{' '}
                <Link to="/api-keys">API keys</Link>).
              </>
            }
          />
        </details>
      ) : null}
      {alertmanager ? (
        <details className="prometheus-config">
          <summary>Alertmanager configuration</summary>
          <Copyable
            label="alertmanager.yml"
            value={alertmanagerReceiver(alertmanager)}
            rows={8}
            hint={
              <>
                For an Alertmanager you keep: a receiver (route to it as to any other) that sends its alerts
                here, and their resolutions; put an organization API key in place of{' '}
                <code>{API_KEY_PLACEHOLDER}</code>.
              </>
            }
          />
        </details>
      ) : null}
    </div>
  );
}

/** Creates a project of the organization at `base` (`/api/v1/orgs/{org}`): the answer carries its DSN. */
export function ProjectForm(props: {
  token: string;
  base: string;
  teams: readonly Team[];
  onCreated: (project: Project) => void;
  onCancel: () => void;
}): ReactNode {
  const names = useNameAndSlug();
  const [platform, setPlatform] = useState('');
  const [teamIds, setTeamIds] = useState<readonly string[]>([]);
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await form.submit(async () =>
      props.onCreated(
        await api<Project>(props.token, 'POST', `${props.base}/projects`, {
          ...names.body(),
          ...(platform.trim() ? { platform: platform.trim() } : {}),
          ...(teamIds.length > 0 ? { teamIds } : {}),
        }),
      ),
    );
  };

  const placed = (path: string) =>
    path === 'name' || path === 'slug' || path === 'platform' || placedInList('teamIds', path);

  return (
    <form className="card create-form" aria-label="New project" onSubmit={save} noValidate>
      <h3>New project</h3>
      <ProblemSummary form={form} placed={placed} />
      <NameSlugFields
        value={names}
        problems={form.problems}
        nameHint="As people read it in messages: Checkout API."
        slugHint="In addresses and API paths: lower-case letters, digits, dashes. It stays."
      />
      <Field
        label="Platform (optional)"
        error={form.problems?.at('platform')}
        hint="What it is written in, as Sentry names it."
        className="narrow"
      >
        {(ids) => (
          <>
            <input
              id={ids.id}
              list={`${ids.id}-platforms`}
              value={platform}
              onChange={(e) => setPlatform(e.target.value)}
              maxLength={64}
              autoComplete="off"
              autoCapitalize="off"
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
            />
            <datalist id={`${ids.id}-platforms`}>
              {PLATFORMS.map((p) => (
                <option key={p} value={p} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      {props.teams.length > 0 ? (
        <CheckList
          legend="Teams (optional)"
          hint="Alerts to the project's members reach the people of these teams; with none, everyone in the organization."
          field="teamIds"
          options={props.teams.map((t) => ({ id: t.id, label: t.name }))}
          value={teamIds}
          onChange={setTeamIds}
          problems={form.problems}
        />
      ) : null}
      <FormActions label="Create project" busyLabel="Creating…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}
