import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api';
import type { Project, RateLimit, Team } from '../types';
import { CheckList, Field, NumberField, placedInList } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { type WindowChoices, WindowField, windowName } from './window-field';

/** The windows offered for an ingest limit, in seconds, with how the limit reads with each. */
const WINDOWS: WindowChoices = [
  [1, 'second'],
  [60, 'minute'],
  [3600, 'hour'],
  [86_400, 'day'],
];

/** A project's ingest limit as a sentence: "at most 1,000 events per minute". */
export function describeRateLimit(limit: RateLimit): string {
  return `at most ${limit.count.toLocaleString()} event${limit.count === 1 ? '' : 's'} per ${windowName(WINDOWS, limit.windowSeconds)}`;
}

/**
 * Renames a project, replaces its teams (the API takes the whole list) and sets or lifts its ingest limit.
 * Its slug and DSN are not offered: SDKs and Prometheus are configured with them.
 */
export function EditProjectForm(props: {
  token: string;
  path: string;
  project: Project;
  teams: readonly Team[];
  onSaved: (project: Project) => void;
  onCancel: () => void;
}): ReactNode {
  const { project } = props;
  const [name, setName] = useState(project.name);
  const [teamIds, setTeamIds] = useState<readonly string[]>(project.teamIds);
  const [capped, setCapped] = useState(project.rateLimit !== null);
  const [count, setCount] = useState(project.rateLimit ? String(project.rateLimit.count) : '');
  const [windowSeconds, setWindowSeconds] = useState(project.rateLimit?.windowSeconds ?? 60);
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const countNumber = Number(count);
    // What is not a number is sent as typed, for the API to name at its field.
    const rateLimit = capped
      ? { count: count.trim() !== '' && Number.isFinite(countNumber) ? countNumber : count, windowSeconds }
      : null;
    await form.submit(async () =>
      props.onSaved(
        await api<Project>(props.token, 'PATCH', props.path, { name: name.trim(), teamIds, rateLimit }),
      ),
    );
  };

  const placed = (path: string) =>
    path === 'name' ||
    path === 'rateLimit.count' ||
    path === 'rateLimit.windowSeconds' ||
    placedInList('teamIds', path);

  return (
    <form className="edit-inline" aria-label={`Edit project ${project.name}`} onSubmit={save} noValidate>
      <ProblemSummary form={form} placed={placed} />
      <Field
        label="Name"
        error={form.problems?.at('name')}
        hint="Its slug and DSN stay as they are."
        className="narrow"
      >
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
      {props.teams.length > 0 ? (
        <CheckList
          legend="Teams"
          hint="Alerts to the project's members reach the people of these teams; with none, everyone in the organization."
          field="teamIds"
          options={props.teams.map((t) => ({ id: t.id, label: t.name }))}
          value={teamIds}
          onChange={setTeamIds}
          problems={form.problems}
        />
      ) : null}
      <fieldset className="rate-limit">
        <legend>Ingest limit</legend>
        <label className="check">
          <input type="checkbox" checked={capped} onChange={(e) => setCapped(e.target.checked)} />
          <span>Cap the events it takes</span>
        </label>
        <small className="hint">
          {capped
            ? 'Over the cap, its DSN and addresses refuse events with 429 and Retry-After, on which SDKs back off; a batch of N events counts N.'
            : 'It takes every event, so a runaway client can flood it.'}
        </small>
        {capped ? (
          <div className="grid-2">
            <NumberField
              label="Events"
              error={form.problems?.at('rateLimit.count')}
              min={1}
              max={1_000_000}
              value={count}
              onChange={setCount}
              placeholder="1000"
            />
            <WindowField
              choices={WINDOWS}
              value={windowSeconds}
              onChange={setWindowSeconds}
              error={form.problems?.at('rateLimit.windowSeconds')}
            />
          </div>
        ) : null}
      </fieldset>
      <FormActions label="Save project" busyLabel="Saving…" busy={form.busy} onCancel={props.onCancel} />
    </form>
  );
}
