import { type FormEvent, type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError, api, describeError } from '../api';
import { type Integration, type Org, type Page, PROVIDERS, type Provider, type TestResult } from '../types';
import { Field, formatTime, Loading, Notice, PageHeader } from '../ui';
import {
  generateSigningSecret,
  integrationBody,
  PROVIDER_FORMS,
  type ProviderForm,
} from './integration-fields';

/** Integrations: connect providers, edit them (secrets write-only), send a test, disable, delete. */
export function IntegrationsPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const { token, org, manage } = props;
  const base = `/api/v1/orgs/${org.slug}/integrations`;
  const [items, setItems] = useState<readonly Integration[] | null>(null);
  const [editing, setEditing] = useState<Integration | Provider | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const load = useCallback(async () => {
    setItems((await api<Page<Integration>>(token, 'GET', base)).data);
  }, [token, base]);

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  if (editing) {
    return (
      <IntegrationForm
        token={token}
        base={base}
        integration={typeof editing === 'string' ? null : editing}
        provider={typeof editing === 'string' ? editing : editing.provider}
        onDone={(saved) => {
          setEditing(null);
          void load();
          const made = saved?.generatedSecrets?.signingSecret;
          if (saved) {
            const text = `“${saved.name}” saved.`;
            setMessage({
              kind: 'ok',
              text: made ? `${text} Its signing secret, shown this once: ${made}` : text,
            });
          }
        }}
      />
    );
  }

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

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Integrations">
        Connections to the places alerts go. Secrets are stored encrypted and never shown again.
      </PageHeader>
      {manage ? (
        <fieldset className="provider-grid">
          <legend className="visually-hidden">Add an integration</legend>
          {PROVIDERS.map((p) => (
            <button key={p} type="button" className="provider" onClick={() => setEditing(p)}>
              <span aria-hidden="true">＋</span> {PROVIDER_FORMS[p].name}
            </button>
          ))}
        </fieldset>
      ) : (
        <p className="muted">You read this organization's integrations; its owners and admins change them.</p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {items === null ? (
        <Loading what="integrations" />
      ) : items.length === 0 ? (
        <div className="empty">
          <p>No integrations yet.</p>
          <p className="muted">Add one above, then use it in a rule's actions.</p>
        </div>
      ) : (
        <ul className="rule-list">
          {items.map((i) => (
            <li key={i.id} className="card" data-testid="integration-item">
              <div className="rule-head">
                <h2>{i.name}</h2>
                <span className="tag">{PROVIDER_FORMS[i.provider].name}</span>
                {i.config.format === 'alertmanager' ? (
                  <span className="tag tag-muted" title="Posts Alertmanager's webhook body">
                    Alertmanager format
                  </span>
                ) : null}
                {i.status !== 'active' ? <span className="tag tag-warn">{i.status}</span> : null}
              </div>
              {i.disabledReason ? <p className="error-text">{i.disabledReason}</p> : null}
              <p className="muted small">
                Added {formatTime(i.createdAt)}
                {i.secretFields.length > 0 ? ` · secrets stored: ${i.secretFields.join(', ')}` : ''}
              </p>
              {manage ? <TestSend token={token} base={base} integration={i} /> : null}
              {manage ? (
                <div className="button-row">
                  <button type="button" className="secondary small" onClick={() => setEditing(i)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    onClick={() =>
                      void act(
                        () =>
                          api(token, 'PATCH', `${base}/${i.id}`, {
                            status: i.status === 'active' ? 'disabled' : 'active',
                          }),
                        i.status === 'active' ? 'Disabled.' : 'Enabled.',
                      )
                    }
                  >
                    {i.status === 'active' ? 'Disable' : 'Enable'}
                  </button>
                  <button
                    type="button"
                    className="danger small"
                    onClick={() => {
                      if (window.confirm(`Delete “${i.name}”? Rules using it stop sending there.`)) {
                        void act(() => api(token, 'DELETE', `${base}/${i.id}?force=true`), 'Deleted.');
                      }
                    }}
                  >
                    Delete
                  </button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function TestSend(props: { token: string; base: string; integration: Integration }): ReactNode {
  const needs = PROVIDER_FORMS[props.integration.provider].testNeeds;
  const [target, setTarget] = useState('');
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setResult(null);
    try {
      const body = needs === 'channel' ? { channel: target } : needs === 'email' ? { email: target } : {};
      const answer = await api<TestResult>(
        props.token,
        'POST',
        `${props.base}/${props.integration.id}/test`,
        body,
      );
      setResult(
        answer.ok
          ? { kind: 'ok', text: 'Test message sent: the provider accepted it.' }
          : {
              kind: 'error',
              text: `The provider refused it (${answer.error.code}): ${answer.error.message}`,
            },
      );
    } catch (e) {
      setResult({
        kind: 'error',
        text: e instanceof ApiError ? (e.details[0]?.message ?? e.message) : describeError(e),
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="test-send" onSubmit={send}>
      {needs ? (
        <label>
          <span className="visually-hidden">
            {needs === 'channel' ? 'Channel for the test' : 'Address for the test'}
          </span>
          <input
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            placeholder={needs === 'channel' ? '#alerts' : 'you@example.com'}
            type={needs === 'email' ? 'email' : 'text'}
            required
          />
        </label>
      ) : null}
      <button type="submit" className="secondary small" disabled={busy}>
        {busy ? 'Sending…' : 'Send test'}
      </button>
      {result ? <Notice kind={result.kind}>{result.text}</Notice> : null}
    </form>
  );
}

function initialValues(integration: Integration | null, form: ProviderForm): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of form.fields) if (field.checkedByDefault) values[field.key] = 'true';
  if (!integration) return values;
  for (const [key, value] of Object.entries(integration.config)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      values[`config.${key}`] = String(value);
    }
  }
  return values;
}

function IntegrationForm(props: {
  token: string;
  base: string;
  integration: Integration | null;
  provider: Provider;
  onDone: (saved: Integration | null) => void;
}): ReactNode {
  const form = PROVIDER_FORMS[props.provider];
  const existing = props.integration;
  const [name, setName] = useState(existing?.name ?? form.name);
  const [values, setValues] = useState<Record<string, string>>(() => initialValues(existing, form));
  const [problems, setProblems] = useState<ApiError | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generated, setGenerated] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblems(null);
    setError(null);
    const { config, secrets } = integrationBody(form, values);
    try {
      const saved = existing
        ? await api<Integration>(props.token, 'PATCH', `${props.base}/${existing.id}`, {
            name,
            config,
            secrets,
          })
        : await api<Integration>(props.token, 'POST', props.base, {
            provider: props.provider,
            name,
            config,
            secrets,
          });
      props.onDone(saved);
    } catch (e) {
      if (e instanceof ApiError) setProblems(e);
      setError(describeError(e));
    }
  };

  const set = (key: string, value: string) => setValues((v) => ({ ...v, [key]: value }));

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={existing ? `Edit ${existing.name}` : `Add ${form.name}`}>{form.help}</PageHeader>
      <form className="card" onSubmit={submit} noValidate>
        {error ? <Notice kind="error">{error}</Notice> : null}
        <Field label="Name" error={problems?.at('name')}>
          {(ids) => (
            <input
              id={ids.id}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={ids.invalid}
              aria-describedby={ids.describedBy}
            />
          )}
        </Field>
        {form.fields
          .filter((f) => !f.when || f.when(values))
          .map((f) => {
            const stored =
              f.kind === 'secret' && existing?.secretFields.includes(f.key.slice('secrets.'.length));
            const hint = stored ? 'Stored. Leave empty to keep it; type to replace it.' : f.hint;
            if (f.kind === 'checkbox') {
              return (
                <label className="check" key={f.key}>
                  <input
                    type="checkbox"
                    checked={values[f.key] === 'true'}
                    onChange={(e) => set(f.key, String(e.target.checked))}
                  />
                  {f.label}
                </label>
              );
            }
            return (
              <Field
                key={f.key}
                label={`${f.label}${f.required || f.kind === 'select' ? '' : ' (optional)'}`}
                error={problems?.at(f.key)}
                hint={hint}
              >
                {(ids) =>
                  f.kind === 'select' ? (
                    <select
                      id={ids.id}
                      value={values[f.key] ?? ''}
                      onChange={(e) => set(f.key, e.target.value)}
                      aria-describedby={ids.describedBy}
                    >
                      {f.options?.map(([v, text]) => (
                        <option key={v} value={v}>
                          {text}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <div className="input-row">
                      <input
                        id={ids.id}
                        type={
                          f.kind === 'secret'
                            ? 'password'
                            : f.kind === 'number'
                              ? 'number'
                              : f.kind === 'url'
                                ? 'url'
                                : 'text'
                        }
                        autoComplete={f.kind === 'secret' ? 'new-password' : 'off'}
                        value={values[f.key] ?? ''}
                        placeholder={stored ? '•••••••• (stored)' : f.placeholder}
                        onChange={(e) => set(f.key, e.target.value)}
                        aria-describedby={ids.describedBy}
                        aria-invalid={ids.invalid}
                      />
                      {f.key === 'secrets.signingSecret' ? (
                        <button
                          type="button"
                          className="secondary small"
                          onClick={() => {
                            const secret = generateSigningSecret();
                            set(f.key, secret);
                            setGenerated(secret);
                          }}
                        >
                          Generate
                        </button>
                      ) : null}
                    </div>
                  )
                }
              </Field>
            );
          })}
        {generated ? (
          <Notice kind="info">
            Copy this signing secret to your receiver now: <code className="secret">{generated}</code>
          </Notice>
        ) : null}
        <div className="form-actions">
          <button type="submit">{existing ? 'Save' : 'Add integration'}</button>
          <button type="button" className="secondary" onClick={() => props.onDone(null)}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
