import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import { type Member, type Org, type Page, ROLES, type Role } from '../types';
import { Field, formatTime, Loading, Notice, PageHeader } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { ConfirmDelete, useDeletion } from './confirm-delete';
import { LanguageField, TimeZoneField } from './locale-fields';

const ROLE_NAMES: Readonly<Record<Role, string>> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const WITH_ARTICLE: Readonly<Record<Role, string>> = {
  owner: 'an owner',
  admin: 'an admin',
  member: 'a member',
};
const ROLE_HINTS: Readonly<Record<Role, string>> = {
  owner: 'Owners change everything, owners included.',
  admin: 'Admins change rules, integrations, projects, teams and members, but not owners.',
  member: 'Members read the configuration and history, and choose their own notifications.',
};

/** The outcome of the page's last change. */
interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

const nameOf = (m: Member) => m.name || m.email;

/**
 * The organization's members: who they are and their role. Everyone in it reads the list; its owners and
 * admins (`manage`) add people by email, change roles and remove members. Only owners, the admin token
 * and organization keys (`makesOwners`) make owners or change one: admins are not offered it.
 */
export function MembersPage(props: {
  token: string;
  org: Org;
  manage: boolean;
  makesOwners: boolean;
  me: string | null;
  /** Told the person's own new role, once the API took it. */
  onOwnRoleChanged?: (role: Role) => void;
}): ReactNode {
  const { token, org, manage, makesOwners } = props;
  const base = `/api/v1/orgs/${encodeURIComponent(org.slug)}/members`;
  const [members, setMembers] = useState<readonly Member[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const load = useCallback(async () => {
    setMembers((await api<Page<Member>>(token, 'GET', base)).data);
  }, [token, base]);

  const reload = () => load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const done = async (text: string) => {
    setAdding(false);
    setConfirming(null);
    setMessage({ kind: 'ok', text });
    await reload();
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Members"
        actions={
          manage && !adding ? (
            <button
              type="button"
              onClick={() => {
                setMessage(null);
                setConfirming(null);
                setAdding(true);
              }}
            >
              Add member
            </button>
          ) : null
        }
      >
        The people of {org.name}: alerts reach them as their rules and settings say, and their role says what
        they may change.
      </PageHeader>
      {manage ? null : (
        <p className="muted">
          You read this organization's members; its owners and admins add and remove them.
        </p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {manage && adding ? (
        <AddMemberForm
          token={token}
          path={base}
          makesOwners={makesOwners}
          onCancel={() => setAdding(false)}
          onAdded={(m) => void done(`${nameOf(m)} (${m.email}) added as ${WITH_ARTICLE[m.role]}.`)}
        />
      ) : null}
      {members === null ? (
        <Loading what="members" />
      ) : members.length === 0 ? (
        <div className="empty">
          <p>No members yet.</p>
          {manage ? (
            <p className="muted">Add the people who should hear about this organization's issues.</p>
          ) : null}
        </div>
      ) : (
        <ul className="rule-list">
          {members.map((m) => (
            <MemberItem
              key={m.userId}
              token={token}
              path={`${base}/${encodeURIComponent(m.userId)}`}
              org={org}
              member={m}
              isMe={m.userId === props.me}
              manage={manage}
              makesOwners={makesOwners}
              confirming={confirming === m.userId}
              onConfirm={() => {
                setMessage(null);
                setAdding(false);
                setConfirming(m.userId);
              }}
              onCancel={() => setConfirming(null)}
              onChanged={(text) => void done(text)}
              onOwnRoleChanged={props.onOwnRoleChanged}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

/** One member: name, address and role; for who may, a role to choose and a removal to confirm. */
function MemberItem(props: {
  token: string;
  path: string;
  org: Org;
  member: Member;
  isMe: boolean;
  manage: boolean;
  makesOwners: boolean;
  confirming: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  onChanged: (text: string) => void;
  onOwnRoleChanged?: ((role: Role) => void) | undefined;
}): ReactNode {
  const { member, manage, makesOwners } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // An owner is changed by owners only: anyone else sees the role and why it is not theirs to change.
  const changeable = manage && (makesOwners || member.role !== 'owner');
  const roles = ROLES.filter((r) => makesOwners || r !== 'owner');
  const errorId = `role-error-${member.userId}`;

  const changeRole = async (role: Role) => {
    setBusy(true);
    setError(null);
    try {
      await api<Member>(props.token, 'PATCH', props.path, { role });
      props.onChanged(
        props.isMe ? `You are now ${WITH_ARTICLE[role]}.` : `${nameOf(member)} is now ${WITH_ARTICLE[role]}.`,
      );
      if (props.isMe) props.onOwnRoleChanged?.(role);
    } catch (e) {
      // A refusal (the last owner stays one) is the API's own sentence, shown at the role it is about.
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className="card rule-item" data-testid="member-item">
      <div className="rule-head">
        <h3>{nameOf(member)}</h3>
        <span className={member.role === 'member' ? 'tag tag-muted' : 'tag'}>{ROLE_NAMES[member.role]}</span>
        {props.isMe ? <span className="tag tag-muted">you</span> : null}
      </div>
      <p className="small">{member.email}</p>
      <p className="muted small">
        {member.locale} · {member.timezone.replaceAll('_', ' ')} · member since {formatTime(member.createdAt)}
      </p>
      {changeable && !props.confirming ? (
        <div className="button-row">
          <label className="inline-select">
            Role
            <select
              value={member.role}
              disabled={busy}
              onChange={(e) => void changeRole(e.target.value as Role)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_NAMES[r]}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="danger small" onClick={props.onConfirm}>
            Remove
          </button>
        </div>
      ) : null}
      {changeable && error && !props.confirming ? (
        <p id={errorId} className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      {manage && !changeable ? <p className="muted small">Only owners change or remove an owner.</p> : null}
      {changeable && props.confirming ? (
        <ConfirmRemoval
          token={props.token}
          path={props.path}
          org={props.org}
          member={member}
          isMe={props.isMe}
          onCancel={props.onCancel}
          onRemoved={() => props.onChanged(`${nameOf(member)} removed from ${props.org.name}.`)}
        />
      ) : null}
    </li>
  );
}

/** Confirms a member's removal, saying what ends with it; Cancel has the focus, as the safe choice. */
function ConfirmRemoval(props: {
  token: string;
  path: string;
  org: Org;
  member: Member;
  isMe: boolean;
  onCancel: () => void;
  onRemoved: () => void;
}): ReactNode {
  const name = nameOf(props.member);
  const deletion = useDeletion();

  return (
    <ConfirmDelete
      label={`Remove member ${name}`}
      title={`Remove ${name} from ${props.org.name}?`}
      deleteLabel="Remove from the organization"
      busyLabel="Removing…"
      deletion={deletion}
      onConfirm={() => void deletion.remove(props.token, props.path, props.onRemoved)}
      onCancel={props.onCancel}
    >
      <p>
        Their place in its teams, the issues assigned to them, the issues they follow and their settings here
        end, and nothing more is sent to them from this organization, not even what waits to be sent. Rules
        that name them stay, and send them nothing.
        {props.isMe ? <strong> You lose access to this organization.</strong> : null}
      </p>
      <p className="muted small">Their account stays, with any other organization they are in.</p>
    </ConfirmDelete>
  );
}

/** Adds a person by email: someone new to Herald is created with the name, language and zone given. */
function AddMemberForm(props: {
  token: string;
  path: string;
  makesOwners: boolean;
  onAdded: (member: Member) => void;
  onCancel: () => void;
}): ReactNode {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [locale, setLocale] = useState('');
  const [timezone, setTimezone] = useState('');
  const form = useApiForm();
  const { problems } = form;

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await form.submit(async () =>
      props.onAdded(
        await api<Member>(props.token, 'POST', props.path, {
          email: email.trim(),
          role,
          ...(name.trim() ? { name: name.trim() } : {}),
          ...(locale ? { locale } : {}),
          ...(timezone ? { timezone } : {}),
        }),
      ),
    );
  };

  const placed = (path: string) => ['email', 'name', 'role', 'locale', 'timezone'].includes(path);

  return (
    <form className="card create-form" aria-label="Add a member" onSubmit={save} noValidate>
      <h2>Add a member</h2>
      <ProblemSummary form={form} placed={placed} />
      <div className="grid-2">
        <Field label="Email" error={problems?.at('email')} hint="Where their email alerts go.">
          {(ids) => (
            <input
              id={ids.id}
              type="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              maxLength={320}
              autoComplete="off"
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
            />
          )}
        </Field>
        <Field
          label="Name (optional)"
          error={problems?.at('name')}
          hint="Someone Herald already knows keeps their own name, language and time zone."
        >
          {(ids) => (
            <input
              id={ids.id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              maxLength={200}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
            />
          )}
        </Field>
        <Field label="Role" error={problems?.at('role')} hint={ROLE_HINTS[role]}>
          {(ids) => (
            <select
              id={ids.id}
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
            >
              {ROLES.filter((r) => props.makesOwners || r !== 'owner').map((r) => (
                <option key={r} value={r}>
                  {ROLE_NAMES[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <LanguageField
          label="Language (optional)"
          value={locale}
          onChange={setLocale}
          error={problems?.at('locale')}
          hint="Of the messages sent to them."
          empty="Herald's default (English)"
        />
        <TimeZoneField
          label="Time zone (optional)"
          value={timezone}
          onChange={setTimezone}
          error={problems?.at('timezone')}
          hint="Of their quiet hours and the times in their messages."
          empty="Herald's default (UTC)"
        />
      </div>
      <FormActions label="Add member" busyLabel="Adding…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}
