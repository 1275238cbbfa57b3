import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import { api } from '../api';
import type { DigestSchedule, Ownership } from '../types';
import { Notice, NumberField } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';

/** A delay as people say it: "5 minutes", "90 seconds". */
function duration(seconds: number): string {
  if (seconds % 60 !== 0) return `${seconds.toLocaleString()} seconds`;
  const minutes = seconds / 60;
  return `${minutes.toLocaleString()} minute${minutes === 1 ? '' : 's'}`;
}

/** What is typed, as a number when it is one; as typed otherwise, for the API to name at its field. */
function numberOrTyped(value: string): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}

/** A project's digest schedule (Sentry's semantics): when what waits for a recipient goes out together. */
export function DigestForm(props: {
  token: string;
  path: string;
  view: DigestSchedule;
  manage: boolean;
}): ReactNode {
  const [minimum, setMinimum] = useState(String(props.view.minimumDelay));
  const [maximum, setMaximum] = useState(String(props.view.maximumDelay));
  const [immediate, setImmediate] = useState(props.view.immediateNewIssues);
  const [increment, setIncrement] = useState(props.view.increment);
  const [saved, setSaved] = useState(false);
  const form = useApiForm();
  const edited =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      setSaved(false);
      set(value);
    };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    await form.submit(async () => {
      const answer = await api<DigestSchedule>(props.token, 'PUT', props.path, {
        minimumDelay: numberOrTyped(minimum),
        maximumDelay: numberOrTyped(maximum),
        immediateNewIssues: immediate,
      });
      setMinimum(String(answer.minimumDelay));
      setMaximum(String(answer.maximumDelay));
      setImmediate(answer.immediateNewIssues);
      setIncrement(answer.increment);
      setSaved(true);
    });
  };

  const delay = (value: string, set: (value: string) => void, field: string, name: string, hint: string) => (
    <NumberField
      label={name}
      error={form.problems?.at(field)}
      hint={hint}
      min={60}
      max={3600}
      value={value}
      disabled={!props.manage}
      onChange={edited(set)}
    />
  );

  return (
    <form className="card" aria-labelledby="digest-title" onSubmit={save} noValidate>
      <h3 id="digest-title">Digest schedule</h3>
      <p className="muted small">
        The first alert for a recipient on a channel goes out at once; later ones wait in a digest of the
        project and go out together. An email digest with one issue reads as a normal alert. Recipients past
        their limit wait in the same digest.
      </p>
      <ProblemSummary
        form={form}
        placed={(path) => path === 'minimumDelay' || path === 'maximumDelay' || path === 'immediateNewIssues'}
      />
      {saved ? <Notice kind="ok">Digest schedule saved.</Notice> : null}
      <div className="grid-2">
        {delay(
          minimum,
          setMinimum,
          'minimumDelay',
          'Minimum delay (seconds)',
          `After a delivery, the next digest waits at least this long. 60 to 3600; 300 by default.${
            Number(minimum) >= 60 ? ` Now ${duration(Number(minimum))}.` : ''
          }`,
        )}
        {delay(
          maximum,
          setMaximum,
          'maximumDelay',
          'Maximum delay (seconds)',
          `However many alerts join it, a digest goes out at most this long after the last delivery. 60 to 3600; 1800 by default.${
            Number(maximum) >= 60 ? ` Now ${duration(Number(maximum))}.` : ''
          }`,
        )}
      </div>
      <p className="small">
        Each alert that joins a digest moves it {duration(increment)} later, up to the maximum; Herald fixes
        this step.
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={immediate}
          disabled={!props.manage}
          onChange={(e) => edited(setImmediate)(e.target.checked)}
        />
        <span>Send the first alert of each new issue at once</span>
      </label>
      <small className="hint">Limits allowing. Off, it waits with the rest, as in Sentry.</small>
      {props.manage ? (
        <FormActions label="Save digest schedule" busyLabel="Saving…" busy={form.busy} />
      ) : null}
    </form>
  );
}

/** The line a problem names (`line.3`), or null. */
function lineOf(path: string): number | null {
  const match = /^line\.(\d+)$/.exec(path);
  return match ? Number(match[1]) : null;
}

/** Where line `n` (from 1) of `text` starts and ends. */
function lineRange(text: string, n: number): [number, number] {
  const lines = text.split('\n');
  const start = lines.slice(0, n - 1).reduce((sum, line) => sum + line.length + 1, 0);
  return [start, start + (lines[n - 1]?.length ?? 0)];
}

/**
 * A project's ownership rules in Sentry's text form. The API names each bad line (`line.N`); each is
 * listed under the rules with its text, and a press on it selects that line.
 */
export function OwnershipForm(props: {
  token: string;
  path: string;
  view: Ownership;
  manage: boolean;
}): ReactNode {
  const [text, setText] = useState(props.view.raw);
  // The text as sent, so a problem quotes the line it names even after more typing.
  const [sent, setSent] = useState('');
  const [saved, setSaved] = useState(false);
  const form = useApiForm();
  const area = useRef<HTMLTextAreaElement>(null);
  const id = useId();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    setSent(text);
    await form.submit(async () => {
      const answer = await api<Ownership>(props.token, 'PUT', props.path, text);
      setText(answer.raw);
      setSaved(true);
    });
  };

  const showLine = (n: number) => {
    const textarea = area.current;
    if (!textarea) return;
    const [start, end] = lineRange(textarea.value, n);
    textarea.focus();
    textarea.setSelectionRange(start, end);
  };

  const sentLines = sent.split(/\r?\n/);
  const problems = (form.problems?.details ?? []).flatMap((d) => {
    const line = lineOf(d.path);
    return line === null ? [] : [{ line, text: sentLines[line - 1]?.trim() ?? '', message: d.message }];
  });
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;

  return (
    <form className="card" aria-labelledby="ownership-title" onSubmit={save} noValidate>
      <h3 id="ownership-title">Ownership rules</h3>
      <ProblemSummary form={form} placed={(path) => lineOf(path) !== null} />
      {saved ? <Notice kind="ok">Ownership rules saved.</Notice> : null}
      <div className={`field ownership-field${problems.length > 0 ? ' field-invalid' : ''}`}>
        <label htmlFor={id}>Rules</label>
        <textarea
          id={id}
          ref={area}
          rows={8}
          value={text}
          readOnly={!props.manage}
          onChange={(e) => {
            setSaved(false);
            setText(e.target.value);
          }}
          spellCheck={false}
          placeholder={props.manage ? 'path:src/billing/** #billing ana@example.com' : 'No rules.'}
          aria-describedby={[hintId, problems.length > 0 ? errorId : null].filter(Boolean).join(' ')}
          aria-invalid={problems.length > 0}
        />
        <small id={hintId} className="hint">
          One rule a line: <code>path:</code>, <code>module:</code>, <code>url:</code> or{' '}
          <code>tags.&lt;key&gt;:</code> and a glob pattern (<code>src/billing/**</code>), then its owners:
          members' emails and <code>#team</code> slugs. The last rule that matches an event names its owners,
          whom rules sending to Issue owners reach. Lines starting with <code>#</code> are comments, not kept.
        </small>
        {problems.length > 0 ? (
          <ul id={errorId} className="line-errors" role="alert">
            {problems.map((p) => (
              <li key={`${p.line}:${p.message}`} className="error-text">
                <button type="button" className="link" onClick={() => showLine(p.line)}>
                  Line {p.line}
                </button>
                {p.text ? (
                  <>
                    {' '}
                    <code>{p.text}</code>
                  </>
                ) : null}
                : {p.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {props.manage ? (
        <FormActions label="Save ownership rules" busyLabel="Saving…" busy={form.busy} />
      ) : null}
    </form>
  );
}
