import { type FormEvent, type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError } from '../api';
import { Link } from '../router';
import type { ApiKey, Org, Page } from '../types';
import { Copyable, Field, formatTime, Loading, Notice, PageHeader } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { ConfirmDelete, useDeletion } from './confirm-delete';

/** The outcome of the page's last change. */
interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** A key as its creation answers: the only time its token is seen. */
type CreatedKey = ApiKey & { readonly token: string };

/**
 * The organization's API keys, which Prometheus, amtool and scripts call Herald with, each acting for the
 * whole organization. Everyone in it reads the list (names and prefixes, never a token); its owners and
 * admins (`manage`) create a key, whose token is shown once, rename one, and revoke one after a
 * confirmation.
 */
export function ApiKeysPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const { token, org, manage } = props;
  const base = `/api/v1/orgs/${encodeURIComponent(org.slug)}/api-keys`;
  const [keys, setKeys] = useState<readonly ApiKey[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [created, setCreated] = useState<CreatedKey | null>(null);

  const load = useCallback(async () => {
    setKeys((await api<Page<ApiKey>>(token, 'GET', base)).data);
  }, [token, base]);

  const reload = () => load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  // A new key's token stays on the page through other changes, until "Done" or the next key: it cannot
  // be shown again, so no other click may take it away before it is copied.
  const start = () => {
    setMessage(null);
    setConfirming(null);
    setRenaming(null);
    setCreating(true);
  };
  const confirm = (id: string) => {
    setMessage(null);
    setCreating(false);
    setRenaming(null);
    setConfirming(id);
  };
  const rename = (id: string) => {
    setMessage(null);
    setCreating(false);
    setConfirming(null);
    setRenaming(id);
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="API keys"
        actions={
          manage && !creating ? (
            <button type="button" onClick={start}>
              New API key
            </button>
          ) : null
        }
      >
        What Prometheus, amtool and scripts call Herald's API with, as the bearer token. A key acts for the
        whole of {org.name}, as its owners do.
      </PageHeader>
      {manage ? null : (
        <p className="muted">
          You read this organization's API keys; its owners and admins create and revoke them.
        </p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {manage && creating ? (
        <KeyNameForm
          label="New API key"
          initialName=""
          saveLabel="Create key"
          busyLabel="Creating…"
          onCancel={() => setCreating(false)}
          save={async (name) => {
            const key = await api<CreatedKey>(token, 'POST', base, { name });
            setCreating(false);
            setCreated(key);
            void reload();
          }}
        />
      ) : null}
      {created ? <CreatedKeyCard apiKey={created} onDone={() => setCreated(null)} /> : null}
      {keys === null ? (
        <Loading what="API keys" />
      ) : keys.length === 0 ? (
        <div className="empty">
          <p>No API keys yet.</p>
          <p className="muted">
            {manage
              ? 'Create one for Prometheus to post its alerts with, or for a script that calls the API.'
              : 'Its owners and admins create them.'}
          </p>
        </div>
      ) : (
        <ul className="rule-list">
          {keys.map((k) => (
            <li key={k.id} className="card rule-item" data-testid="api-key-item">
              <div className="rule-head">
                <h3>{k.name}</h3>
                <span className="tag tag-muted" title="The start of its token, to tell keys apart">
                  {k.prefix}…
                </span>
                {token.startsWith(k.prefix) ? <span className="tag">this session</span> : null}
              </div>
              <p className="muted small">
                Created {formatTime(k.createdAt)}
                {k.lastUsedAt ? ` · last used ${formatTime(k.lastUsedAt)}` : ''}
              </p>
              {manage && confirming !== k.id && renaming !== k.id ? (
                <div className="button-row">
                  <button type="button" className="secondary small" onClick={() => rename(k.id)}>
                    Rename
                  </button>
                  <button type="button" className="danger small" onClick={() => confirm(k.id)}>
                    Revoke
                  </button>
                </div>
              ) : null}
              {manage && renaming === k.id ? (
                <KeyNameForm
                  label={`Rename API key ${k.name}`}
                  initialName={k.name}
                  saveLabel="Save name"
                  busyLabel="Saving…"
                  onCancel={() => setRenaming(null)}
                  save={async (name) => {
                    await api<ApiKey>(token, 'PATCH', `${base}/${encodeURIComponent(k.id)}`, { name });
                    setRenaming(null);
                    setMessage({
                      kind: 'ok',
                      text: `API key “${k.name}” is now “${name}”; its token is unchanged.`,
                    });
                    void reload();
                  }}
                />
              ) : null}
              {manage && confirming === k.id ? (
                <ConfirmRevocation
                  token={token}
                  path={`${base}/${encodeURIComponent(k.id)}`}
                  apiKey={k}
                  onCancel={() => setConfirming(null)}
                  onRevoked={() => {
                    setConfirming(null);
                    setCreated((c) => (c?.id === k.id ? null : c));
                    setMessage({ kind: 'ok', text: `API key “${k.name}” revoked.` });
                    void reload();
                  }}
                />
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A key's name, which says what uses it: a new key's, or a new name for one. */
function KeyNameForm(props: {
  label: string;
  initialName: string;
  saveLabel: string;
  busyLabel: string;
  save: (name: string) => Promise<void>;
  onCancel: () => void;
}): ReactNode {
  const [name, setName] = useState(props.initialName);
  const form = useApiForm();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await form.submit(() => props.save(name.trim()));
  };

  return (
    <form className="card create-form" aria-label={props.label} onSubmit={save} noValidate>
      <h3>{props.label}</h3>
      <ProblemSummary form={form} placed={(path) => path === 'name'} />
      <Field
        label="Name"
        error={form.problems?.at('name')}
        hint="What will use it, to know it again in this list: Prometheus on prod-1."
        className="narrow"
      >
        {(ids) => (
          <input
            id={ids.id}
            ref={input}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={200}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
          />
        )}
      </Field>
      <FormActions
        label={props.saveLabel}
        busyLabel={props.busyLabel}
        busy={form.busy}
        onCancel={props.onCancel}
      />
    </form>
  );
}

/**
 * The token of a key just created. Herald keeps only its hash, so this card is the one chance to copy
 * it; "Done" forgets it here too.
 */
function CreatedKeyCard(props: { apiKey: CreatedKey; onDone: () => void }): ReactNode {
  const { apiKey } = props;
  return (
    <div className="card project-created" role="status" data-testid="api-key-created">
      <p>
        <strong>API key “{apiKey.name}” created.</strong> Copy it now:{' '}
        <strong>you will not see it again</strong>, here or anywhere. Lost, it cannot be recovered; revoke it
        and create another.
      </p>
      <Copyable
        label="API key"
        value={apiKey.token}
        hint={
          <>
            Send it as <code>Authorization: Bearer {apiKey.prefix}…</code>; for Prometheus, as{' '}
            <code>authorization.credentials</code> (each project's configuration is on{' '}
            <Link to="/projects">Projects & teams</Link>).
          </>
        }
      />
      <div className="button-row">
        <button type="button" className="secondary small" onClick={props.onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

/** Confirms a revocation, saying what stops working; focus starts on Cancel, the safe choice. */
function ConfirmRevocation(props: {
  token: string;
  path: string;
  apiKey: ApiKey;
  onCancel: () => void;
  onRevoked: () => void;
}): ReactNode {
  const { apiKey } = props;
  const deletion = useDeletion();

  return (
    <ConfirmDelete
      label={`Revoke API key ${apiKey.name}`}
      title={`Revoke the API key “${apiKey.name}”?`}
      deleteLabel="Revoke this key"
      busyLabel="Revoking…"
      deletion={deletion}
      onConfirm={() => void deletion.remove(props.token, props.path, props.onRevoked)}
      onCancel={props.onCancel}
    >
      <p>
        Whatever calls Herald with it (Prometheus, amtool, scripts) is refused from then on, with 401.{' '}
        <strong>This cannot be undone</strong>: a new key has a new token, which each of them then needs.
      </p>
      {props.token.startsWith(apiKey.prefix) ? (
        <Notice kind="info">
          This dashboard is signed in with a token that starts as this key's does ({apiKey.prefix}): once it
          is revoked, sign in with another token.
        </Notice>
      ) : null}
    </ConfirmDelete>
  );
}
