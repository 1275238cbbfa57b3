import { type ReactNode, useId, useRef, useState } from 'react';
import type { ApiError } from './api';
import { Link } from './router';
import type { Integration, Member, Project } from './types';

/** A labelled form control with its hint and its error, wired for screen readers. */
export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  className?: string;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}): ReactNode {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={`field${props.error ? ' field-invalid' : ''} ${props.className ?? ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy: describedBy || undefined, invalid: Boolean(props.error) })}
      {props.hint ? (
        <small id={hintId} className="hint">
          {props.hint}
        </small>
      ) : null}
      {props.error ? (
        <small id={errorId} className="error-text" role="alert">
          {props.error}
        </small>
      ) : null}
    </div>
  );
}

/** What every one-input {@link Field} takes: its label and value, what to do on a change, and the Field's own. */
interface InputFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: ReactNode;
  className?: string;
  disabled?: boolean;
}

/** A whole number typed into a {@link Field}: the text as typed, which the API checks and names. */
export function NumberField(
  props: InputFieldProps & { min: number; max: number; placeholder?: string },
): ReactNode {
  return (
    <Field label={props.label} error={props.error} hint={props.hint} className={props.className}>
      {(ids) => (
        <input
          id={ids.id}
          type="number"
          inputMode="numeric"
          min={props.min}
          max={props.max}
          value={props.value}
          disabled={props.disabled}
          placeholder={props.placeholder}
          onChange={(e) => props.onChange(e.target.value)}
          aria-describedby={ids.describedBy}
          aria-invalid={ids.invalid}
        />
      )}
    </Field>
  );
}

/** One of `options` (value and text, in order) chosen in a {@link Field}. */
export function SelectField(
  props: InputFieldProps & { options: readonly (readonly [value: string, text: string])[] },
): ReactNode {
  return (
    <Field label={props.label} error={props.error} hint={props.hint} className={props.className}>
      {(ids) => (
        <select
          id={ids.id}
          value={props.value}
          disabled={props.disabled}
          onChange={(e) => props.onChange(e.target.value)}
          aria-describedby={ids.describedBy}
          aria-invalid={ids.invalid}
        >
          {props.options.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A message above or below a form: an error (announced at once) or a confirmation. */
export function Notice(props: { kind: 'error' | 'ok' | 'info'; children: ReactNode }): ReactNode {
  return (
    <div className={`notice notice-${props.kind}`} role={props.kind === 'error' ? 'alert' : 'status'}>
      {props.children}
    </div>
  );
}

/** A page's heading and short explanation. */
export function PageHeader(props: { title: string; children?: ReactNode; actions?: ReactNode }): ReactNode {
  return (
    <header className="page-header">
      <div>
        <h1 id="page-title">{props.title}</h1>
        {props.children ? <p className="lead">{props.children}</p> : null}
      </div>
      {props.actions ? <div className="page-actions">{props.actions}</div> : null}
    </header>
  );
}

/** A spinner-free loading line (screen readers hear it once). */
export function Loading(props: { what?: string }): ReactNode {
  return (
    <p className="muted" role="status">
      Loading{props.what ? ` ${props.what}` : ''}…
    </p>
  );
}

/** A date and time in the browser's zone, short. */
export function formatTime(value: string | null): string {
  if (!value) return '—';
  return new Date(value).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "3 min ago", "in 2 h", for recent times; the date otherwise. */
export function relativeTime(value: string, now = Date.now()): string {
  const diff = Date.parse(value) - now;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
  if (abs < 60_000) return rtf.format(Math.round(diff / 1000), 'second');
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), 'minute');
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), 'hour');
  if (abs < 7 * 86_400_000) return rtf.format(Math.round(diff / 86_400_000), 'day');
  return formatTime(value);
}

/** Words for identifiers the API uses. */
export const LABELS: Readonly<Record<string, string>> = {
  email: 'Email',
  slack: 'Slack',
  msteams: 'Microsoft Teams',
  inapp: 'In-app',
  push: 'Web push',
  webhook: 'Webhook',
  pagerduty: 'PagerDuty',
  discord: 'Discord',
  alerts: 'Issue alerts',
  workflow: 'Workflow',
  deploy: 'Deploys & releases',
  always: 'On',
  never: 'Off',
  subscribe_only: 'Subscribed only',
  committed_only: 'My commits only',
  issue_alert: 'Issue alert',
  regression: 'Regression',
  resolved: 'Resolved',
  assigned: 'Assigned',
  release: 'Release',
  digest: 'Digest',
  rule_saved: 'Rule saved',
  integration_disabled: 'Integration disabled',
};

/** Whom a recipient id names: a member's name (or email), an integration's name, or the id itself. */
export function recipientName(
  id: string,
  members: readonly Member[],
  integrations: readonly Integration[],
): string {
  const m = members.find((x) => x.userId === id);
  if (m) return m.name || m.email;
  return integrations.find((x) => x.id === id)?.name ?? id;
}

/** The label of an identifier, or the identifier itself. */
export function label(value: string): string {
  return LABELS[value] ?? value.replaceAll('_', ' ');
}

/** The page's project among the organization's (the rules and silences pages), or why there is none. */
export function ProjectPicker(props: {
  projects: readonly Project[];
  value: string;
  onChange: (slug: string) => void;
}): ReactNode {
  if (props.projects.length === 0)
    return (
      <Notice kind="info">
        This organization has no projects yet. Create one on <Link to="/projects">Projects & teams</Link>.
      </Notice>
    );
  return (
    <div className="toolbar">
      <Field label="Project">
        {(ids) => (
          <select id={ids.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
            {props.projects.map((p) => (
              <option key={p.id} value={p.slug}>
                {p.name}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}

/**
 * A value to paste elsewhere (a DSN, a URL; with `rows`, a block of configuration): read-only and selected
 * whole on focus, with a Copy button that says whether it worked. Where the browser keeps the clipboard
 * from the page (plain HTTP to another host than this one), the value is selected for the keyboard's copy
 * instead.
 */
export function Copyable(props: {
  label: string;
  value: string;
  hint?: ReactNode;
  rows?: number;
}): ReactNode {
  const [copied, setCopied] = useState<boolean | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const block = useRef<HTMLTextAreaElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(true);
    } catch {
      (input.current ?? block.current)?.select();
      setCopied(false);
    }
  };
  const button = (
    <>
      <button type="button" className="secondary small" onClick={() => void copy()}>
        Copy<span className="visually-hidden"> {props.label}</span>
      </button>
      <span role="status" className="copy-state">
        {copied === true ? 'Copied' : copied === false ? 'Selected: press Ctrl+C to copy' : ''}
      </span>
    </>
  );
  return (
    <Field
      label={props.label}
      hint={props.hint}
      className={props.rows ? 'copyable copyable-block' : 'copyable'}
    >
      {(ids) =>
        props.rows ? (
          <>
            <textarea
              id={ids.id}
              ref={block}
              readOnly
              rows={props.rows}
              value={props.value}
              onFocus={(e) => e.currentTarget.select()}
              aria-describedby={ids.describedBy}
              spellCheck={false}
            />
            <div className="input-row">{button}</div>
          </>
        ) : (
          <div className="input-row">
            <input
              id={ids.id}
              ref={input}
              readOnly
              value={props.value}
              onFocus={(e) => e.currentTarget.select()}
              aria-describedby={ids.describedBy}
              spellCheck={false}
            />
            {button}
          </div>
        )
      }
    </Field>
  );
}

/**
 * Checkboxes for a list the API takes as ids (`field`: `memberIds`, `teamIds`), with the API's problems
 * about the list or any of its items shown under it.
 */
export function CheckList(props: {
  legend: string;
  hint?: ReactNode;
  field: string;
  options: readonly { readonly id: string; readonly label: ReactNode }[];
  value: readonly string[];
  onChange: (ids: readonly string[]) => void;
  problems: ApiError | null;
}): ReactNode {
  const id = useId();
  const error = props.problems?.details
    .filter((d) => placedInList(props.field, d.path))
    .map((d) => d.message)
    .join('; ');
  const toggle = (option: string, on: boolean) =>
    props.onChange(on ? [...props.value, option] : props.value.filter((v) => v !== option));
  return (
    <fieldset
      className={`check-list${error ? ' field-invalid' : ''}`}
      aria-describedby={
        [props.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') ||
        undefined
      }
    >
      <legend>{props.legend}</legend>
      {props.hint ? (
        <small id={`${id}-hint`} className="hint">
          {props.hint}
        </small>
      ) : null}
      {props.options.map((o) => (
        <label key={o.id} className="check">
          <input
            type="checkbox"
            checked={props.value.includes(o.id)}
            onChange={(e) => toggle(o.id, e.target.checked)}
          />
          <span>{o.label}</span>
        </label>
      ))}
      {error ? (
        <small id={`${id}-error`} className="error-text" role="alert">
          {error}
        </small>
      ) : null}
    </fieldset>
  );
}

/** Whether the API's problem at `path` is about the list at `field` or one of its items. */
export function placedInList(field: string, path: string): boolean {
  return path === field || path.startsWith(`${field}.`);
}
