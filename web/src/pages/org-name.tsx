import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api';
import type { Org } from '../types';
import { Field } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';

/**
 * The organization's name as people read it, which its owners and admins change here; its slug, in
 * addresses and API paths, stays. `onRenamed` gets the organization as the API answers it.
 */
export function OrgNameForm(props: { token: string; org: Org; onRenamed: (org: Org) => void }): ReactNode {
  const { org } = props;
  const [name, setName] = useState(org.name);
  const [saved, setSaved] = useState(false);
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await form.submit(async () => {
      const renamed = await api<Org>(props.token, 'PATCH', `/api/v1/orgs/${encodeURIComponent(org.slug)}`, {
        name: name.trim(),
      });
      setSaved(true);
      props.onRenamed(renamed);
    });
  };

  return (
    <form className="card" aria-label="Organization name" onSubmit={save} noValidate>
      <ProblemSummary form={form} placed={(path) => path === 'name'} />
      <Field
        label="Organization name"
        error={form.problems?.at('name')}
        hint={
          <>
            As people read it in messages and here. Its slug, <code>{org.slug}</code>, stays.
          </>
        }
        className="narrow"
      >
        {(ids) => (
          <input
            id={ids.id}
            value={name}
            onChange={(e) => {
              setSaved(false);
              setName(e.target.value);
            }}
            maxLength={200}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
          />
        )}
      </Field>
      <FormActions label="Save name" busyLabel="Saving…" busy={form.busy} disabled={name.trim() === org.name}>
        {saved ? (
          <span role="status" className="muted">
            Name saved.
          </span>
        ) : null}
      </FormActions>
    </form>
  );
}
