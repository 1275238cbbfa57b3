import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { api, describeError } from '../api';
import { Link } from '../router';
import {
  type Channel,
  type Org,
  TEMPLATE_PARTS,
  type TemplateOverride,
  type TemplatePart,
  type TemplatePreview,
} from '../types';
import { Field, formatTime, Loading, label, Notice, PageHeader } from '../ui';
import { ProblemSummary, useApiForm } from './api-form';
import { ConfirmDelete, useDeletion } from './confirm-delete';
import {
  findOverride,
  notificationTypes,
  type TemplateVariable,
  templatePath,
  templateVariables,
  typeLabel,
} from './template-api';
import { TemplatePreviewCard } from './template-preview';

/** The outcome of the editor's last change. */
interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** What the API names in a Liquid error: `line 2, column 4: tag {% if %} not closed`. */
const AT_LINE = /^line (\d+), column \d+/;

/**
 * The override of one type on one channel: a field per part of the channel (Liquid), a preview with the
 * type's sample data, Save, and Reset to default after a confirmation. A member reads the parts only:
 * the API lets owners and admins change and preview them.
 */
export function TemplateEditor(props: {
  token: string;
  org: Org;
  manage: boolean;
  type: string;
  channel: Channel;
}): ReactNode {
  const { token, org, manage, type, channel } = props;
  const path = templatePath(org, type, channel);
  const name = `${typeLabel(type)} by ${label(channel)}`;
  // undefined while loading; null when Herald's built-in rendering applies.
  const [stored, setStored] = useState<TemplateOverride | null | undefined>(undefined);
  const [known, setKnown] = useState(true);
  const [values, setValues] = useState<Readonly<Record<string, string>>>({});
  const [variables, setVariables] = useState<readonly TemplateVariable[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [preview, setPreview] = useState<{ result: TemplatePreview; sent: string } | null>(null);
  const [doing, setDoing] = useState<'preview' | 'save' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const form = useApiForm();
  const areas = useRef<Record<string, HTMLTextAreaElement | null>>({});

  useEffect(() => {
    Promise.all([notificationTypes(token), findOverride(token, org, type, channel)])
      .then(([types, found]) => {
        setKnown(types.includes(type));
        setStored(found);
        setValues(found?.parts ?? {});
      })
      .catch((e: unknown) => setLoadError(describeError(e)));
    templateVariables(token, type)
      .then(setVariables)
      .catch(() => setVariables([]));
  }, [token, org, type, channel]);

  // A part the API stored that this page does not name still shows, so saving does not drop it.
  const parts: readonly TemplatePart[] = [
    ...TEMPLATE_PARTS[channel],
    ...Object.keys(stored?.parts ?? {})
      .filter((p) => !TEMPLATE_PARTS[channel].some((known) => known.name === p))
      .map((p) => ({ name: p, label: p, description: '', rows: 4 })),
  ];
  /** The parts written, each as its source; empty ones keep Herald's rendering. */
  const written = (): Record<string, string> =>
    Object.fromEntries(parts.filter((p) => values[p.name]?.trim()).map((p) => [p.name, values[p.name]!]));

  const runPreview = async () => {
    setMessage(null);
    setPreview(null);
    setDoing('preview');
    await form.submit(async () => {
      const sent = written();
      const result = await api<TemplatePreview>(token, 'POST', `${path}/preview`, { parts: sent });
      setPreview({ result, sent: JSON.stringify(sent) });
    });
    setDoing(null);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    setDoing('save');
    await form.submit(async () => {
      const sent = written();
      if (Object.keys(sent).length === 0) {
        throw new Error(
          stored
            ? 'Every part is empty: to go back to Herald’s rendering, reset to the default.'
            : 'Write at least one part to override Herald’s rendering.',
        );
      }
      const saved = await api<TemplateOverride>(token, 'PUT', path, { parts: sent });
      setStored(saved);
      setValues(saved.parts);
      setMessage({ kind: 'ok', text: `Template saved: ${name} now uses these parts.` });
    });
    setDoing(null);
  };

  const header = (
    <PageHeader title={`Template: ${name}`}>
      <Link to="/templates">All templates</Link>
    </PageHeader>
  );
  if (loadError) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <Notice kind="error">{loadError}</Notice>
      </section>
    );
  }
  if (!known) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <Notice kind="info">
          Herald has no notification type “{type}”.{' '}
          <Link to="/templates">Choose one among all templates</Link>.
        </Notice>
      </section>
    );
  }
  if (stored === undefined) {
    return (
      <section aria-labelledby="page-title">
        {header}
        <Loading what="the template" />
      </section>
    );
  }

  const stale = preview !== null && preview.sent !== JSON.stringify(written());
  return (
    <section aria-labelledby="page-title">
      {header}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      <div className="template-editor">
        <div>
          {manage ? null : (
            <p className="muted">
              You read and preview this organization's templates; its owners and admins change them.
            </p>
          )}
          <p data-testid="template-state">
            {stored
              ? `${org.name} overrides ${Object.keys(stored.parts).join(', ')} (saved ${formatTime(stored.updatedAt)}); the other parts keep Herald’s rendering.`
              : `Herald’s built-in rendering applies: ${org.name} overrides no part of it.`}
          </p>
          {manage || stored ? (
            <form className="card" aria-label={`Template ${name}`} onSubmit={save} noValidate>
              <p className="hint">
                Liquid, with the variables listed here. Every <code>{'{{ value }}'}</code> is escaped for
                where its part ends up (HTML, Slack mrkdwn, JSON), so no value can add markup. Empty parts
                keep Herald’s rendering.
              </p>
              <ProblemSummary form={form} placed={(p) => parts.some((part) => p === `parts.${part.name}`)} />
              {parts.map((part) => (
                <PartField
                  key={part.name}
                  part={part}
                  value={values[part.name] ?? ''}
                  onChange={(value) => setValues((v) => ({ ...v, [part.name]: value }))}
                  error={form.problems?.at(`parts.${part.name}`)}
                  readOnly={!manage}
                  areaRef={(el) => {
                    areas.current[part.name] = el;
                  }}
                  onGoToLine={(line) => goToLine(areas.current[part.name], line)}
                />
              ))}
              <div className="form-actions">
                <button type="button" className="secondary" disabled={form.busy} onClick={runPreview}>
                  {doing === 'preview' ? 'Rendering…' : 'Preview'}
                </button>
                {manage ? (
                  <button type="submit" disabled={form.busy}>
                    {doing === 'save' ? 'Saving…' : 'Save template'}
                  </button>
                ) : null}
                {manage && stored && !confirming ? (
                  <button type="button" className="danger" onClick={() => setConfirming(true)}>
                    Reset to default
                  </button>
                ) : null}
              </div>
            </form>
          ) : null}
          {manage && stored && confirming ? (
            <ConfirmReset
              token={token}
              path={path}
              name={name}
              parts={Object.keys(stored.parts)}
              onCancel={() => setConfirming(false)}
              onReset={() => {
                setConfirming(false);
                setStored(null);
                setValues({});
                setPreview(null);
                form.clear();
                setMessage({ kind: 'ok', text: `${name} is back to Herald’s default rendering.` });
              }}
            />
          ) : null}
          {preview ? <TemplatePreviewCard channel={channel} preview={preview.result} stale={stale} /> : null}
        </div>
        <VariableList variables={variables} />
      </div>
    </section>
  );
}

/** One part's Liquid source, with the API's problem at it and a way to the line the problem names. */
function PartField(props: {
  part: TemplatePart;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  readOnly: boolean;
  areaRef: (el: HTMLTextAreaElement | null) => void;
  onGoToLine: (line: number) => void;
}): ReactNode {
  const { part, error } = props;
  const line = error ? AT_LINE.exec(error)?.[1] : undefined;
  return (
    <div className="template-part">
      <Field label={part.label} hint={part.description || undefined} error={error}>
        {(ids) => (
          <textarea
            id={ids.id}
            ref={props.areaRef}
            rows={part.rows}
            value={props.value}
            onChange={(e) => props.onChange(e.target.value)}
            readOnly={props.readOnly}
            spellCheck={false}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
          />
        )}
      </Field>
      {line ? (
        <button type="button" className="link small" onClick={() => props.onGoToLine(Number(line))}>
          Go to line {line} of {part.label}
        </button>
      ) : null}
    </div>
  );
}

/** Selects line `line` (1-based) of `area`, where the API said the problem is. */
function goToLine(area: HTMLTextAreaElement | null | undefined, line: number): void {
  if (!area) return;
  const lines = area.value.split('\n');
  const index = Math.min(Math.max(line, 1), lines.length) - 1;
  const start = lines.slice(0, index).reduce((sum, l) => sum + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[index]?.length ?? 0));
}

/** What a template of this type can print, from the API's description of the type's payload. */
function VariableList(props: { variables: readonly TemplateVariable[] | null }): ReactNode {
  return (
    <aside className="card template-variables" aria-labelledby="variables-title">
      <h2 id="variables-title">Variables</h2>
      <p className="hint">
        Print one with <code>{'{{ issue.title }}'}</code>; loop over a list with{' '}
        <code>{'{% for rule in rules %}'}</code>. Filters such as <code>upcase</code>, <code>default</code>{' '}
        and <code>localtime</code> (a date in the recipient’s language and zone) work.
      </p>
      {props.variables === null ? (
        <Loading what="variables" />
      ) : (
        <ul className="plain-list" data-testid="template-variables">
          {props.variables.map((v) => (
            <li key={v.path}>
              <code>{v.path}</code> <small className="muted">{v.description ?? v.kind}</small>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}

/** Confirms a reset, saying what goes; focus starts on Cancel, the safe choice. */
function ConfirmReset(props: {
  token: string;
  path: string;
  name: string;
  parts: readonly string[];
  onCancel: () => void;
  onReset: () => void;
}): ReactNode {
  const deletion = useDeletion();
  return (
    <ConfirmDelete
      label={`Reset template ${props.name}`}
      title={`Reset ${props.name} to Herald’s default?`}
      deleteLabel="Reset to default"
      busyLabel="Resetting…"
      deletion={deletion}
      onConfirm={() => void deletion.remove(props.token, props.path, props.onReset)}
      onCancel={props.onCancel}
    >
      <p>
        The organization's {props.parts.join(', ')} {props.parts.length === 1 ? 'is' : 'are'} deleted, and
        messages are rendered by Herald again. <strong>This cannot be undone</strong>: copy the parts first to
        keep them.
      </p>
    </ConfirmDelete>
  );
}
