import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api';
import type { Member, Team } from '../types';
import { CheckList, Field, placedInList } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { NameSlugFields, useNameAndSlug } from './name-slug';

/** The organization's members as choices, each by name with the address that tells namesakes apart. */
function memberChoices(members: readonly Member[]) {
  return members.map((m) => ({
    id: m.userId,
    label: (
      <>
        {m.name || m.email} <span className="muted small">{m.email}</span>
      </>
    ),
  }));
}

const MEMBERS_HINT = 'Alerts sent to the team reach them.';

/** Creates a team of the organization at `base` (`/api/v1/orgs/{org}`) with members chosen from its own. */
export function NewTeamForm(props: {
  token: string;
  base: string;
  members: readonly Member[];
  onCreated: (team: Team) => void;
  onCancel: () => void;
}): ReactNode {
  const names = useNameAndSlug();
  const [memberIds, setMemberIds] = useState<readonly string[]>([]);
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await form.submit(async () =>
      props.onCreated(
        await api<Team>(props.token, 'POST', `${props.base}/teams`, { ...names.body(), memberIds }),
      ),
    );
  };

  return (
    <form className="card create-form" aria-label="New team" onSubmit={save} noValidate>
      <h3>New team</h3>
      <ProblemSummary
        form={form}
        placed={(path) => path === 'name' || path === 'slug' || placedInList('memberIds', path)}
      />
      <NameSlugFields
        value={names}
        problems={form.problems}
        nameHint="As rules and assignments show it: Payments."
        slugHint="Lower-case letters, digits, dashes. It stays."
      />
      <CheckList
        legend="Members"
        hint={MEMBERS_HINT}
        field="memberIds"
        options={memberChoices(props.members)}
        value={memberIds}
        onChange={setMemberIds}
        problems={form.problems}
      />
      <FormActions label="Create team" busyLabel="Creating…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}

/** Renames a team and replaces its members (the API takes the whole list). */
export function EditTeamForm(props: {
  token: string;
  path: string;
  team: Team;
  members: readonly Member[];
  onSaved: (team: Team) => void;
  onCancel: () => void;
}): ReactNode {
  const { team } = props;
  const [name, setName] = useState(team.name);
  const [memberIds, setMemberIds] = useState<readonly string[]>(team.memberIds);
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await form.submit(async () =>
      props.onSaved(await api<Team>(props.token, 'PATCH', props.path, { name: name.trim(), memberIds })),
    );
  };

  return (
    <form className="edit-inline" aria-label={`Edit team ${team.name}`} onSubmit={save} noValidate>
      <ProblemSummary form={form} placed={(path) => path === 'name' || placedInList('memberIds', path)} />
      <Field label="Name" error={form.problems?.at('name')} className="narrow">
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
      <CheckList
        legend="Members"
        hint={MEMBERS_HINT}
        field="memberIds"
        options={memberChoices(props.members)}
        value={memberIds}
        onChange={setMemberIds}
        problems={form.problems}
      />
      <FormActions label="Save team" busyLabel="Saving…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}
