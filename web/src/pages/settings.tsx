import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, api, describeError, query } from '../api';
import type { Session } from '../session';
import {
  CHANNELS,
  type Channel,
  type EffectiveSetting,
  type Member,
  type Org,
  type Page,
  type Project,
  type ScopeType,
  SETTING_TYPES,
  type SettingRow,
  type SettingType,
  type SettingValue,
  type UserSettings,
  VALUES_BY_TYPE,
} from '../types';
import { Field, Loading, label, Notice, PageHeader } from '../ui';
import { OptionsForm } from './settings-options';
import { PushSection } from './settings-push';

/** Where the matrix reads and writes: a person's defaults, one organization, or one project. */
interface Scope {
  readonly type: ScopeType;
  readonly id: string;
  readonly name: string;
  readonly orgId?: string;
  readonly projectId?: string;
}

/** A project with the organization it belongs to, as the scopes of settings need it. */
type OrgProject = Project & { readonly orgId: string };

/** "My notification settings": the matrix with where each value comes from, options and push. */
export function SettingsPage(props: { session: Session; org: Org | undefined }): ReactNode {
  const { session, org } = props;
  const [members, setMembers] = useState<readonly Member[]>([]);
  const [projects, setProjects] = useState<readonly OrgProject[]>([]);
  const [userId, setUserId] = useState<string | null>(session.kind === 'user' ? session.me.id : null);
  const [error, setError] = useState<string | null>(null);

  // The admin token has no person of its own: it edits a member's settings on their behalf.
  useEffect(() => {
    if (session.kind !== 'admin' || !org) return;
    api<Page<Member>>(session.token, 'GET', `/api/v1/orgs/${org.slug}/members`)
      .then((m) => {
        setMembers(m.data);
        setUserId((current) => current ?? m.data[0]?.userId ?? null);
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [session, org]);

  // Projects to set overrides for: of the chosen organization, or of every organization a person is in.
  const settingsOrgs = useMemo(
    () => (session.kind === 'user' ? session.orgs : org ? [org] : []),
    [session, org],
  );
  useEffect(() => {
    Promise.all(
      settingsOrgs.map(async (o) =>
        (await api<Page<Project>>(session.token, 'GET', `/api/v1/orgs/${o.slug}/projects`)).data.map(
          (p): OrgProject => ({
            ...p,
            orgId: o.id,
            name: settingsOrgs.length > 1 ? `${o.name} / ${p.name}` : p.name,
          }),
        ),
      ),
    )
      .then((lists) => setProjects(lists.flat()))
      .catch((e: unknown) => setError(describeError(e)));
  }, [session.token, settingsOrgs]);

  const base =
    session.kind === 'user'
      ? '/api/v1/me/notification-settings'
      : userId
        ? `/api/v1/users/${userId}/notification-settings`
        : null;

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={session.kind === 'user' ? 'My notification settings' : 'Notification settings'}>
        Choose which notifications reach you, where, and when. The most specific setting wins: project, then
        organization, then your defaults.
      </PageHeader>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {session.kind === 'admin' ? (
        <div className="toolbar">
          <Field label="Member" hint="The admin token edits settings on a member's behalf.">
            {(ids) => (
              <select
                id={ids.id}
                aria-describedby={ids.describedBy}
                value={userId ?? ''}
                onChange={(e) => setUserId(e.target.value)}
              >
                {members.map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {m.name || m.email} ({m.email})
                  </option>
                ))}
              </select>
            )}
          </Field>
          {userId ? <MemberToken token={session.token} userId={userId} key={userId} /> : null}
        </div>
      ) : null}
      {base && userId ? (
        <SettingsFor
          key={userId}
          token={session.token}
          base={base}
          userId={userId}
          orgs={settingsOrgs}
          projects={projects}
          personal={session.kind === 'user'}
        />
      ) : session.kind === 'admin' && members.length === 0 ? (
        <Notice kind="info">This organization has no members yet.</Notice>
      ) : null}
    </section>
  );
}

function SettingsFor(props: {
  token: string;
  base: string;
  userId: string;
  orgs: readonly Org[];
  projects: readonly OrgProject[];
  personal: boolean;
}): ReactNode {
  const { token, base, userId, orgs, projects } = props;
  const [data, setData] = useState<UserSettings | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [scopeKey, setScopeKey] = useState('user');

  const scopes = useMemo<Scope[]>(() => {
    const list: Scope[] = [{ type: 'user', id: userId, name: 'Everywhere (defaults)' }];
    for (const o of orgs) list.push({ type: 'organization', id: o.id, name: o.name, orgId: o.id });
    for (const p of projects) {
      list.push({ type: 'project', id: p.id, name: p.name, orgId: p.orgId, projectId: p.id });
    }
    // Project overrides made elsewhere stay visible even when this credential cannot list projects.
    for (const row of data?.settings ?? []) {
      if (row.scopeType === 'project' && !list.some((s) => s.id === row.scopeId)) {
        list.push({
          type: 'project',
          id: row.scopeId,
          name: `no longer listed (${row.scopeId})`,
          projectId: row.scopeId,
        });
      }
    }
    return list;
  }, [userId, orgs, projects, data?.settings]);
  const scope = scopes.find((s) => `${s.type}:${s.id}` === scopeKey) ?? scopes[0]!;

  const load = useCallback(async () => {
    try {
      const answer = await api<UserSettings>(
        token,
        'GET',
        base + query({ orgId: scope.orgId, projectId: scope.projectId }),
      );
      setData(answer);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }, [token, base, scope.orgId, scope.projectId]);

  useEffect(() => {
    void load();
  }, [load]);

  const change = async (type: SettingType, channel: Channel | null, value: SettingValue | null) => {
    setSaved(null);
    setError(null);
    try {
      await api(token, 'PUT', base, {
        settings: [{ type, channel, scopeType: scope.type, scopeId: scope.id, value }],
      });
      await load();
      setSaved(
        `Saved: ${label(type)} · ${channel ? label(channel) : 'all channels'} → ${value ? label(value) : 'inherit'}`,
      );
    } catch (e) {
      setError(e instanceof ApiError && e.details[0] ? `${e.details[0].message}` : describeError(e));
    }
  };

  if (!data) return error ? <Notice kind="error">{error}</Notice> : <Loading what="settings" />;

  return (
    <>
      <section className="card" aria-labelledby="matrix-title">
        <h2 id="matrix-title">Where notifications go</h2>
        <div className="scope-picker" role="radiogroup" aria-label="Applies to">
          {scopes.map((s) => (
            <label key={`${s.type}:${s.id}`} className={`chip${s === scope ? ' chip-on' : ''}`}>
              <input
                type="radio"
                name="scope"
                value={`${s.type}:${s.id}`}
                checked={s === scope}
                onChange={() => setScopeKey(`${s.type}:${s.id}`)}
              />
              {s.type === 'organization'
                ? `In ${s.name}`
                : s.type === 'project'
                  ? `Project ${s.name}`
                  : s.name}
            </label>
          ))}
        </div>
        {error ? <Notice kind="error">{error}</Notice> : null}
        {saved ? <Notice kind="ok">{saved}</Notice> : null}
        <Matrix data={data} scope={scope} orgs={orgs} projects={projects} onChange={change} />
      </section>
      <OptionsForm token={token} base={base} options={data.options} onSaved={load} />
      {props.personal ? <PushSection token={token} pushEffective={data.effective} /> : null}
    </>
  );
}

function sourceText(
  effective: EffectiveSetting | undefined,
  scope: Scope,
  orgs: readonly Org[],
  projects: readonly Project[],
): string {
  if (!effective) return '';
  const source = effective.source;
  if (source === 'default') return 'Herald default';
  const here = source.scopeType === scope.type && source.scopeId === scope.id;
  const whole = source.channel === null ? ' (all channels)' : '';
  if (source.ownerType === 'team') return `from team setting${whole}`;
  if (here) return `set here${whole}`;
  if (source.scopeType === 'user') return `from the defaults${whole}`;
  if (source.scopeType === 'organization') {
    return `from ${orgs.find((o) => o.id === source.scopeId)?.name ?? 'organization'}${whole}`;
  }
  return `from project ${projects.find((p) => p.id === source.scopeId)?.name ?? source.scopeId}${whole}`;
}

function Matrix(props: {
  data: UserSettings;
  scope: Scope;
  orgs: readonly Org[];
  projects: readonly Project[];
  onChange: (type: SettingType, channel: Channel | null, value: SettingValue | null) => void;
}): ReactNode {
  const { data, scope } = props;
  const own = (type: SettingType, channel: Channel | null): SettingRow | undefined =>
    data.settings.find(
      (r) =>
        r.ownerType === 'user' &&
        r.type === type &&
        r.channel === channel &&
        r.scopeType === scope.type &&
        r.scopeId === scope.id,
    );
  const rows: (Channel | null)[] = [null, ...CHANNELS];

  return (
    <div className="table-wrap">
      <table className="matrix">
        <caption className="visually-hidden">
          Notification settings by channel and type, {scope.name}. Each cell shows the value in force and
          where it comes from.
        </caption>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            {SETTING_TYPES.map((type) => (
              <th scope="col" key={type}>
                {label(type)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((channel) => (
            <tr key={channel ?? 'all'} className={channel === null ? 'matrix-all' : undefined}>
              <th scope="row">
                {channel ? (
                  label(channel)
                ) : (
                  <>
                    All channels
                    <small className="hint">Applies to every channel</small>
                  </>
                )}
              </th>
              {SETTING_TYPES.map((type) => {
                const row = own(type, channel);
                const effective = channel
                  ? data.effective.find((e) => e.type === type && e.channel === channel)
                  : undefined;
                const cellLabel = `${label(type)} by ${channel ? label(channel) : 'all channels'}`;
                return (
                  <td key={type} data-label={label(type)} data-testid={`cell-${type}-${channel ?? 'all'}`}>
                    <select
                      aria-label={cellLabel}
                      value={row?.value ?? ''}
                      onChange={(e) =>
                        props.onChange(
                          type,
                          channel,
                          e.target.value ? (e.target.value as SettingValue) : null,
                        )
                      }
                    >
                      <option value="">Inherit</option>
                      {VALUES_BY_TYPE[type].map((v) => (
                        <option key={v} value={v}>
                          {label(v)}
                        </option>
                      ))}
                    </select>
                    {effective ? (
                      <small className={`source value-${effective.value}`}>
                        <span className="effective">{label(effective.value)}</span> ·{' '}
                        {sourceText(effective, scope, props.orgs, props.projects)}
                      </small>
                    ) : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Lets an admin hand a member a personal token, so the member can sign in here and see their inbox. */
function MemberToken(props: { token: string; userId: string }): ReactNode {
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    setError(null);
    try {
      const answer = await api<{ token: string }>(
        props.token,
        'POST',
        `/api/v1/users/${props.userId}/tokens`,
        {
          name: 'Dashboard sign-in',
        },
      );
      setCreated(answer.token);
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <div className="member-token">
      {created ? (
        <Notice kind="info">
          Personal token, shown once: <code className="secret">{created}</code>. The member signs in with it
          to see their inbox and settings.
        </Notice>
      ) : (
        <button type="button" className="secondary small" onClick={() => void create()}>
          Create a sign-in token for this member
        </button>
      )}
      {error ? <Notice kind="error">{error}</Notice> : null}
    </div>
  );
}
