import { type FormEvent, type ReactNode, useId, useRef, useState } from 'react';
import { ApiError, api, describeError } from '../api';
import type { Silence, SilenceMatcher } from '../types';
import { Field, Notice } from '../ui';

/** Alertmanager's matcher operators, and what each means in the API's two flags. */
export const OPERATORS = [
  { text: '=', isRegex: false, isEqual: true, label: 'equals' },
  { text: '!=', isRegex: false, isEqual: false, label: 'does not equal' },
  { text: '=~', isRegex: true, isEqual: true, label: 'matches the regex' },
  { text: '!~', isRegex: true, isEqual: false, label: 'does not match the regex' },
] as const;
/** One of {@link OPERATORS}' texts. */
export type Operator = (typeof OPERATORS)[number]['text'];

/** The operator of a matcher, as Alertmanager writes it. */
export function operatorOf(matcher: Pick<SilenceMatcher, 'isRegex' | 'isEqual'>): Operator {
  return OPERATORS.find((o) => o.isRegex === matcher.isRegex && o.isEqual === matcher.isEqual)!.text;
}

/** How long a new silence lasts; `null` is the end time typed in. */
const DURATIONS: readonly (readonly [string, number | null])[] = [
  ['1 hour', 3_600_000],
  ['2 hours', 2 * 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['1 day', 86_400_000],
  ['Until a time…', null],
];
/** 2 hours, Alertmanager's default. */
const DEFAULT_DURATION = '1';

interface Row {
  readonly key: number;
  readonly name: string;
  readonly operator: Operator;
  readonly value: string;
}

let nextKey = 0;
const newRow = (): Row => ({ key: nextKey++, name: '', operator: '=', value: '' });

/**
 * Creates a silence of the project at `path`: matchers as rows, how long it lasts, and why. It starts
 * now: the server's now, so a browser clock running ahead cannot leave it pending.
 */
export function SilenceForm(props: {
  token: string;
  path: string;
  onCreated: (silence: Silence) => void;
  onCancel: () => void;
}): ReactNode {
  const [rows, setRows] = useState<readonly Row[]>(() => [newRow()]);
  const [duration, setDuration] = useState(DEFAULT_DURATION);
  const [until, setUntil] = useState('');
  const [comment, setComment] = useState('');
  const [problems, setProblems] = useState<ApiError | null>(null);
  const [untilMissing, setUntilMissing] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);
  const matchersId = useId();
  const chosen = DURATIONS[Number(duration)]?.[1];

  const change = (key: number, patch: Partial<Row>) =>
    setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  /** The end asked for, or null when the typed end time is not a time. */
  const endsAt = (): string | null => {
    if (chosen !== null && chosen !== undefined) return new Date(Date.now() + chosen).toISOString();
    const typed = new Date(until);
    return Number.isNaN(typed.getTime()) ? null : typed.toISOString();
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblems(null);
    setMessage(null);
    const ends = endsAt();
    setUntilMissing(ends === null);
    if (ends === null) return;
    setBusy(true);
    try {
      const matchers = rows.map((r) => {
        const op = OPERATORS.find((o) => o.text === r.operator)!;
        return { name: r.name.trim(), value: r.value, isRegex: op.isRegex, isEqual: op.isEqual };
      });
      props.onCreated(
        await api<Silence>(props.token, 'POST', props.path, {
          matchers,
          endsAt: ends,
          comment: comment.trim(),
        }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.details.length > 0) {
        setProblems(error);
        setMessage('Some fields need attention; each is marked below.');
      } else {
        setMessage(describeError(error));
      }
      requestAnimationFrame(() => summaryRef.current?.focus());
    } finally {
      setBusy(false);
    }
  };

  const placed = (path: string) =>
    path === 'matchers' ||
    path === 'endsAt' ||
    path === 'comment' ||
    /^matchers\.\d+(\.name|\.value)?$/.test(path);
  const unplaced = problems?.details.filter((d) => !placed(d.path)) ?? [];
  const matchersError = problems?.at('matchers');

  return (
    <form className="card silence-form" aria-label="New silence" onSubmit={save} noValidate>
      <h2>New silence</h2>
      <div ref={summaryRef} tabIndex={-1}>
        {message ? <Notice kind="error">{message}</Notice> : null}
        {unplaced.map((d) => (
          <Notice key={d.path} kind="error">
            {d.path ? `${d.path}: ` : ''}
            {d.message}
          </Notice>
        ))}
      </div>
      <fieldset aria-labelledby={matchersId} aria-describedby={`${matchersId}-hint`}>
        <legend id={matchersId}>Matchers</legend>
        <p id={`${matchersId}-hint`} className="hint">
          An event is silenced when every matcher matches one of its tags (an Alertmanager alert's labels are
          its tags; <code>environment</code>, <code>level</code> and <code>release</code> also match the
          event's own fields). A regex must match the whole value.
        </p>
        {matchersError ? (
          <p className="error-text" role="alert">
            {matchersError}
          </p>
        ) : null}
        {rows.map((row, i) => {
          const path = `matchers.${i}`;
          const rowError = problems?.at(path);
          return (
            // biome-ignore lint/a11y/useSemanticElements: a fieldset per row would nest legends in the list's fieldset.
            <div
              key={row.key}
              className="matcher-row"
              role="group"
              aria-label={`Matcher ${i + 1}`}
              data-testid={`matcher-${i}`}
            >
              <Field label="Name" error={problems?.at(`${path}.name`)}>
                {(ids) => (
                  <input
                    id={ids.id}
                    value={row.name}
                    onChange={(e) => change(row.key, { name: e.target.value })}
                    aria-describedby={ids.describedBy}
                    aria-invalid={ids.invalid}
                    placeholder="instance"
                    autoCapitalize="off"
                    spellCheck={false}
                  />
                )}
              </Field>
              <Field label="Operator" className="matcher-operator">
                {(ids) => (
                  <select
                    id={ids.id}
                    value={row.operator}
                    onChange={(e) => change(row.key, { operator: e.target.value as Operator })}
                  >
                    {OPERATORS.map((o) => (
                      <option key={o.text} value={o.text} title={o.label}>
                        {o.text}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Value" error={problems?.at(`${path}.value`) ?? rowError}>
                {(ids) => (
                  <input
                    id={ids.id}
                    value={row.value}
                    onChange={(e) => change(row.key, { value: e.target.value })}
                    aria-describedby={ids.describedBy}
                    aria-invalid={ids.invalid}
                    placeholder={row.operator.endsWith('~') ? 'db-.*' : 'db-1'}
                    autoCapitalize="off"
                    spellCheck={false}
                  />
                )}
              </Field>
              <button
                type="button"
                className="secondary small matcher-remove"
                aria-label={`Remove matcher ${i + 1}`}
                disabled={rows.length === 1}
                // Errors name rows by position: removing one would move them onto their neighbours.
                onClick={() => {
                  setProblems(null);
                  setRows((all) => all.filter((r) => r.key !== row.key));
                }}
              >
                Remove
              </button>
            </div>
          );
        })}
        <button
          type="button"
          className="secondary small"
          onClick={() => setRows((all) => [...all, newRow()])}
        >
          Add a matcher
        </button>
      </fieldset>
      <div className="grid-2 silence-when">
        <Field
          label="Duration"
          error={chosen === null ? undefined : problems?.at('endsAt')}
          hint="It starts now."
        >
          {(ids) => (
            <select
              id={ids.id}
              value={duration}
              onChange={(e) => setDuration(e.target.value)}
              aria-describedby={ids.describedBy}
              aria-invalid={ids.invalid}
            >
              {DURATIONS.map(([text], i) => (
                <option key={text} value={i}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        {chosen === null ? (
          <Field
            label="Ends at"
            error={untilMissing ? 'Choose when it ends.' : problems?.at('endsAt')}
            hint="In your browser's time zone."
          >
            {(ids) => (
              <input
                id={ids.id}
                type="datetime-local"
                value={until}
                onChange={(e) => setUntil(e.target.value)}
                aria-describedby={ids.describedBy}
                aria-invalid={ids.invalid}
              />
            )}
          </Field>
        ) : null}
      </div>
      <Field label="Comment" error={problems?.at('comment')} hint="Why, for whoever reads the list later.">
        {(ids) => (
          <textarea
            id={ids.id}
            rows={2}
            maxLength={1000}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            aria-describedby={ids.describedBy}
            aria-invalid={ids.invalid}
            placeholder="Planned database maintenance"
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create silence'}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
