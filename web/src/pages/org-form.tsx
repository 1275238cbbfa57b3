import type { FormEvent, ReactNode } from 'react';
import { api } from '../api';
import type { Org } from '../types';
import { PageHeader } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { NameSlugFields, useNameAndSlug } from './name-slug';

/**
 * Creates an organization (the admin token alone may): the first one of a new installation, where every
 * other page waits for it, or another one later. `onCancel` is left out where there is nothing to go
 * back to.
 */
export function NewOrgPage(props: {
  token: string;
  first: boolean;
  onCreated: (org: Org) => void;
  onCancel?: () => void;
}): ReactNode {
  const names = useNameAndSlug();
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await form.submit(async () =>
      props.onCreated(await api<Org>(props.token, 'POST', '/api/v1/orgs', names.body())),
    );
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={props.first ? 'Create an organization' : 'New organization'}>
        {props.first
          ? 'Herald has no organization yet. An organization holds the projects that send events, the people who hear about them, their teams and integrations. Create the first one; its projects and members come next.'
          : 'Another organization, with projects, people and integrations of its own.'}
      </PageHeader>
      <form className="card" aria-label="New organization" onSubmit={save} noValidate>
        <ProblemSummary form={form} placed={(path) => path === 'name' || path === 'slug'} />
        <NameSlugFields
          value={names}
          problems={form.problems}
          nameHint="As people read it: Acme Inc."
          slugHint="In addresses and API paths: lower-case letters, digits, dashes. It stays."
        />
        <FormActions
          label="Create organization"
          busyLabel="Creating…"
          busy={form.busy}
          onCancel={props.onCancel}
        />
      </form>
    </section>
  );
}
