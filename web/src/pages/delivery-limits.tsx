import { type FormEvent, type ReactNode, useState } from 'react';
import { api } from '../api';
import { CHANNELS, type Channel, type ChannelLimit, type RetrySettings, type ThrottleLimits } from '../types';
import { label, Notice, NumberField } from '../ui';
import { FormActions, ProblemSummary, useApiForm } from './api-form';
import { type WindowChoices, WindowField, windowName } from './window-field';

/** The windows offered for a limit, in seconds, with how a limit reads with each. */
const WINDOWS: WindowChoices = [
  [60, 'minute'],
  [600, '10 minutes'],
  [3600, 'hour'],
  [86_400, 'day'],
];

/** A limit as people say it: "20 per hour", or "no limit". */
export function describeLimit(limit: ChannelLimit | null): string {
  return limit
    ? `${limit.limit.toLocaleString()} per ${windowName(WINDOWS, limit.windowSeconds)}`
    : 'no limit';
}

/** One channel as the form holds it: `own` when the organization sets it rather than Herald's default. */
interface LimitDraft {
  readonly own: boolean;
  readonly on: boolean;
  readonly limit: string;
  readonly windowSeconds: number;
}

function draftOf(limit: ChannelLimit | null, own: boolean, fallback: ChannelLimit | null): LimitDraft {
  // A channel without a limit still offers one to type, starting from Herald's or an hour.
  const shown = limit ?? fallback;
  return {
    own,
    on: limit !== null,
    limit: shown ? String(shown.limit) : '',
    windowSeconds: shown?.windowSeconds ?? 3600,
  };
}

function draftsOf(view: ThrottleLimits): Record<Channel, LimitDraft> {
  return Object.fromEntries(
    CHANNELS.map((c) => [c, draftOf(view.limits[c], c in view.overrides, view.defaults[c] ?? null)]),
  ) as Record<Channel, LimitDraft>;
}

/**
 * The organization's limits per recipient and channel. A channel the organization never set follows
 * Herald's default (and its changes); touching it sets it for the organization, and "Use Herald's
 * default" gives it back. The API replaces the whole set, so every channel set here is sent each time.
 */
export function LimitsForm(props: {
  token: string;
  path: string;
  view: ThrottleLimits;
  manage: boolean;
}): ReactNode {
  const [drafts, setDrafts] = useState(() => draftsOf(props.view));
  const [saved, setSaved] = useState(false);
  const form = useApiForm();
  const change = (channel: Channel, patch: Partial<LimitDraft>) => {
    setSaved(false);
    setDrafts((d) => ({ ...d, [channel]: { ...d[channel], own: true, ...patch } }));
  };
  const restoreDefault = (channel: Channel) => {
    setSaved(false);
    setDrafts((d) => ({ ...d, [channel]: draftOf(props.view.defaults[channel] ?? null, false, null) }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const limits: Partial<Record<Channel, unknown>> = {};
    for (const channel of CHANNELS) {
      const d = drafts[channel];
      if (!d.own) continue;
      const count = Number(d.limit);
      // What is not a number is sent as typed, for the API to name at its field.
      const typed = d.limit.trim() !== '' && Number.isFinite(count) ? count : d.limit;
      limits[channel] = d.on ? { limit: typed, windowSeconds: d.windowSeconds } : null;
    }
    await form.submit(async () => {
      setDrafts(draftsOf(await api<ThrottleLimits>(props.token, 'PUT', props.path, { limits })));
      setSaved(true);
    });
  };

  const placed = (path: string) =>
    CHANNELS.some((c) => path === `limits.${c}.limit` || path === `limits.${c}.windowSeconds`);

  return (
    <form className="card" aria-labelledby="limits-title" onSubmit={save} noValidate>
      <h3 id="limits-title">Limits per recipient and channel</h3>
      <p className="muted small">
        Each recipient (a person, a Slack channel, a webhook) gets at most this many messages about issues on
        a channel per window; the allowance refills steadily. Past the limit nothing is dropped: the messages
        are held in the recipient's digest for the project and channel and go out together when it is due
        (History shows them digested, reason throttled).
      </p>
      <ProblemSummary form={form} placed={placed} />
      {saved ? <Notice kind="ok">Limits saved.</Notice> : null}
      <div className="limit-grid">
        {CHANNELS.map((channel) => (
          <ChannelLimitFields
            key={channel}
            channel={channel}
            draft={drafts[channel]}
            fallback={props.view.defaults[channel] ?? null}
            manage={props.manage}
            problems={form.problems}
            onChange={(patch) => change(channel, patch)}
            onUseDefault={() => restoreDefault(channel)}
          />
        ))}
      </div>
      {props.manage ? <FormActions label="Save limits" busyLabel="Saving…" busy={form.busy} /> : null}
    </form>
  );
}

function ChannelLimitFields(props: {
  channel: Channel;
  draft: LimitDraft;
  /** Herald's own limit on the channel, as the API answers it. */
  fallback: ChannelLimit | null;
  manage: boolean;
  problems: ReturnType<typeof useApiForm>['problems'];
  onChange: (patch: Partial<LimitDraft>) => void;
  onUseDefault: () => void;
}): ReactNode {
  const { channel, draft, manage } = props;
  const name = label(channel);
  return (
    <fieldset className="channel-limit">
      <legend>{name}</legend>
      <p className="small">
        {draft.own ? (
          <>
            <span className="tag">Set for this organization</span>{' '}
          </>
        ) : null}
        <span className="muted">Herald's default: {describeLimit(props.fallback)}.</span>
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={draft.on}
          disabled={!manage}
          onChange={(e) => props.onChange({ on: e.target.checked })}
        />
        <span>Limit what one recipient gets</span>
      </label>
      {draft.on ? (
        <div className="grid-2">
          <NumberField
            label="Messages"
            error={props.problems?.at(`limits.${channel}.limit`)}
            min={1}
            max={100_000}
            value={draft.limit}
            disabled={!manage}
            onChange={(limit) => props.onChange({ limit })}
          />
          <WindowField
            choices={WINDOWS}
            value={draft.windowSeconds}
            disabled={!manage}
            onChange={(windowSeconds) => props.onChange({ windowSeconds })}
            error={props.problems?.at(`limits.${channel}.windowSeconds`)}
          />
        </div>
      ) : (
        <small className="hint">No limit: every message goes out as it comes.</small>
      )}
      {manage && draft.own ? (
        <button type="button" className="secondary small" onClick={props.onUseDefault}>
          Use Herald's default<span className="visually-hidden"> for {name}</span>
        </button>
      ) : null}
    </fieldset>
  );
}

/** How many attempts a delivery gets before it is a dead letter. */
export function RetriesForm(props: {
  token: string;
  path: string;
  view: RetrySettings;
  manage: boolean;
}): ReactNode {
  const [attempts, setAttempts] = useState(String(props.view.maxAttempts));
  const [saved, setSaved] = useState(false);
  const form = useApiForm();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const count = Number(attempts);
    const maxAttempts = attempts.trim() !== '' && Number.isFinite(count) ? count : attempts;
    await form.submit(async () => {
      const answer = await api<RetrySettings>(props.token, 'PUT', props.path, { maxAttempts });
      setAttempts(String(answer.maxAttempts));
      setSaved(true);
    });
  };

  return (
    <form className="card" aria-labelledby="retries-title" onSubmit={save} noValidate>
      <h3 id="retries-title">Retries</h3>
      <ProblemSummary form={form} placed={(path) => path === 'maxAttempts'} />
      {saved ? <Notice kind="ok">Retries saved.</Notice> : null}
      <NumberField
        label="Attempts per delivery"
        error={form.problems?.at('maxAttempts')}
        className="narrow"
        hint={
          <>
            1 to 20, the first included; 8 by default, over about half an hour. A delivery that failed for a
            passing reason (a timeout, 429, 5xx) waits longer before each retry, up to 10 minutes, or as long
            as the provider's <code>Retry-After</code> asks, up to an hour. After the last attempt, or a
            permanent refusal, it is a dead letter, which History lists for replay.
          </>
        }
        min={1}
        max={20}
        value={attempts}
        disabled={!props.manage}
        onChange={(value) => {
          setSaved(false);
          setAttempts(value);
        }}
      />
      {props.manage ? <FormActions label="Save retries" busyLabel="Saving…" busy={form.busy} /> : null}
    </form>
  );
}
