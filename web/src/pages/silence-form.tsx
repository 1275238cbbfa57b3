import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api';
import type { Silence, SilenceMatcher } from '../types';
import { Field } from '../ui';
import { CommentField, FormActions, ProblemSummary, useApiForm } from './api-form';
import {
  type MatcherRow,
  MatcherRows,
  matcherOf,
  matcherRowOf,
  newMatcherRow,
  placedInRows,
} from './matcher-rows';

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

/**
 * Creates a silence of the project at `path`: matchers as rows, how long it lasts, and why. It starts
 * now: the server's now, so a browser clock running ahead cannot leave it pending.
 */
export function SilenceForm(props: {
  token: string;
  path: string;
  /** The matchers it starts with (an alert's labels); one empty row when none. */
  initial?: readonly SilenceMatcher[];
  onCreated: (silence: Silence) => void;
  onCancel: () => void;
}): ReactNode {
  const [rows, setRows] = useState<readonly MatcherRow[]>(() =>
    props.initial && props.initial.length > 0 ? props.initial.map(matcherRowOf) : [newMatcherRow()],
  );
  const [duration, setDuration] = useState(DEFAULT_DURATION);
  const [until, setUntil] = useState('');
  const [comment, setComment] = useState('');
  const [untilMissing, setUntilMissing] = useState(false);
  const form = useApiForm();
  const { problems, setProblems } = form;
  const chosen = DURATIONS[Number(duration)]?.[1];

  /** The end asked for, or null when the typed end time is not a time. */
  const endsAt = (): string | null => {
    if (chosen !== null && chosen !== undefined) return new Date(Date.now() + chosen).toISOString();
    const typed = new Date(until);
    return Number.isNaN(typed.getTime()) ? null : typed.toISOString();
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const ends = endsAt();
    setUntilMissing(ends === null);
    if (ends === null) {
      form.clear();
      return;
    }
    await form.submit(async () =>
      props.onCreated(
        await api<Silence>(props.token, 'POST', props.path, {
          matchers: rows.map(matcherOf),
          endsAt: ends,
          comment: comment.trim(),
        }),
      ),
    );
  };

  const placed = (path: string) => path === 'endsAt' || path === 'comment' || placedInRows('matchers', path);

  return (
    <form className="card silence-form" aria-label="New silence" onSubmit={save} noValidate>
      <h2>New silence</h2>
      <ProblemSummary form={form} placed={placed} />
      <MatcherRows
        field="matchers"
        legend="Matchers"
        noun="Matcher"
        hint={
          <>
            An event is silenced when every matcher matches one of its tags (an Alertmanager alert's labels
            are its tags; <code>environment</code>, <code>level</code> and <code>release</code> also match the
            event's own fields). A regex must match the whole value.
          </>
        }
        rows={rows}
        onChange={setRows}
        onRemoved={() => setProblems(null)}
        problems={problems}
      />
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
      <CommentField
        value={comment}
        onChange={setComment}
        error={problems?.at('comment')}
        placeholder="Planned database maintenance"
      />
      <FormActions label="Create silence" busyLabel="Creating…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}
