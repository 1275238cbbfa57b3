import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError, api, describeError } from '../api';
import type { QuietWindow, UserOptions } from '../types';
import { Field, formatTime, label, Notice } from '../ui';
import { LanguageField, TimeZoneField } from './locale-fields';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES: Record<string, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

const SNOOZES: readonly [string, number][] = [
  ['1 hour', 3_600_000],
  ['4 hours', 4 * 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 7 * 86_400_000],
];

/** Personal channels a person may fall back to, as the API names them (FALLBACK_CHANNELS). */
const FALLBACK_CHANNELS = ['email', 'slack', 'inapp', 'push'] as const;
const ORDINALS = ['First', 'Second', 'Third', 'Fourth'] as const;

type KeyedWindow = QuietWindow & { readonly key: number };

/** The cards of this form: each shows the outcome of its own save. */
type Card = 'snooze' | 'prefs';

/** The outcome of a card's last save. */
interface Message {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

let windowKey = 0;
const keyWindow = (w: QuietWindow): KeyedWindow => ({ ...w, key: windowKey++ });

/** Locale, time zone, quiet hours, fallback channels, snooze-all, digests: saved together with one PUT. */
export function OptionsForm(props: {
  token: string;
  base: string;
  options: UserOptions;
  onSaved: () => Promise<void>;
}): ReactNode {
  const { options } = props;
  const [locale, setLocale] = useState(options.locale);
  const [timezone, setTimezone] = useState(options.timezone);
  const [windows, setWindows] = useState<KeyedWindow[]>(() => options.quietHours.map(keyWindow));
  const [emailDigests, setEmailDigests] = useState(options.emailDigests);
  const [selfNotifications, setSelfNotifications] = useState(options.selfNotifications);
  const [fallback, setFallback] = useState<readonly string[]>(options.fallback);
  const [problems, setProblems] = useState<ApiError | null>(null);
  const [messages, setMessages] = useState<Partial<Record<Card, Message>>>({});

  const save = async (card: Card, extra: Record<string, unknown>, done: string) => {
    const say = (message: Message | undefined) => setMessages((m) => ({ ...m, [card]: message }));
    say(undefined);
    if (card === 'prefs') setProblems(null);
    try {
      await api(props.token, 'PUT', props.base, { options: extra });
      await props.onSaved();
      say({ kind: 'ok', text: done });
    } catch (e) {
      // Only the preferences card has fields to mark; a snooze's problem is said in its own card.
      const marked = card === 'prefs' && e instanceof ApiError && e.details.length > 0;
      if (marked) setProblems(e);
      say({
        kind: 'error',
        text: marked
          ? 'Not saved: fix the fields marked below.'
          : e instanceof ApiError && e.details[0]
            ? e.details[0].message
            : describeError(e),
      });
    }
  };
  const notice = (card: Card) => {
    const message = messages[card];
    return message ? <Notice kind={message.kind}>{message.text}</Notice> : null;
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(
      'prefs',
      { locale, timezone, quietHours: windows, emailDigests, selfNotifications, fallback },
      'Preferences saved.',
    );
  };

  // Choosing "none" at a place removes it; the choices after it move up, so the list has no holes.
  const setFallbackAt = (i: number, channel: string) =>
    setFallback((list) =>
      channel === '' ? list.filter((_, j) => j !== i) : [...list.slice(0, i), channel, ...list.slice(i + 1)],
    );

  const setWindow = (i: number, patch: Partial<QuietWindow>) =>
    setWindows((list) => list.map((w, j) => (j === i ? { ...w, ...patch } : w)));

  const snoozed =
    options.snoozeUntil && Date.parse(options.snoozeUntil) > Date.now() ? options.snoozeUntil : null;

  return (
    <>
      <section className="card" aria-labelledby="snooze-title">
        <h2 id="snooze-title">Snooze all notifications</h2>
        {notice('snooze')}
        {snoozed ? (
          <p>
            <strong>Snoozed until {formatTime(snoozed)}.</strong> Nothing reaches you before then, except
            critical messages.{' '}
            <button
              type="button"
              className="secondary small"
              onClick={() => void save('snooze', { snoozeUntil: null }, 'Snooze ended.')}
            >
              Resume now
            </button>
          </p>
        ) : (
          <div className="button-row">
            <span className="muted">Pause everything for</span>
            {SNOOZES.map(([name, ms]) => (
              <button
                key={name}
                type="button"
                className="secondary small"
                onClick={() =>
                  void save(
                    'snooze',
                    { snoozeUntil: new Date(Date.now() + ms).toISOString() },
                    `Snoozed for ${name}.`,
                  )
                }
              >
                {name}
              </button>
            ))}
          </div>
        )}
      </section>

      <form className="card" aria-labelledby="prefs-title" onSubmit={submit} noValidate>
        <h2 id="prefs-title">Language, time and quiet hours</h2>
        {notice('prefs')}
        <div className="grid-2">
          <LanguageField
            label="Language"
            value={locale}
            onChange={setLocale}
            error={problems?.at('options.locale')}
          />
          <TimeZoneField
            label="Time zone"
            value={timezone}
            onChange={setTimezone}
            error={problems?.at('options.timezone')}
            hint="Quiet hours and times in messages use it."
          />
        </div>

        <fieldset>
          <legend>Quiet hours</legend>
          <p className="hint">
            During these windows (in your time zone) non-critical notifications wait and arrive afterwards;
            none is dropped.
          </p>
          {windows.length === 0 ? <p className="muted">No quiet hours.</p> : null}
          {windows.map((w, i) => (
            <div className="quiet-window" key={w.key}>
              <fieldset className="days">
                <legend className="visually-hidden">Days of window {i + 1}</legend>
                {DAYS.map((d) => (
                  <label key={d} className={`chip small${w.days.includes(d) ? ' chip-on' : ''}`}>
                    <input
                      type="checkbox"
                      checked={w.days.includes(d)}
                      onChange={(e) =>
                        setWindow(i, {
                          days: e.target.checked
                            ? DAYS.filter((x) => x === d || w.days.includes(x))
                            : w.days.filter((x) => x !== d),
                        })
                      }
                    />
                    {DAY_NAMES[d]}
                  </label>
                ))}
              </fieldset>
              <Field
                label="From"
                error={problems?.at(`options.quietHours.${i}.start`)}
                className="time-field"
              >
                {(ids) => (
                  <input
                    id={ids.id}
                    type="time"
                    value={w.start}
                    onChange={(e) => setWindow(i, { start: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Until" error={problems?.at(`options.quietHours.${i}.end`)} className="time-field">
                {(ids) => (
                  <input
                    id={ids.id}
                    type="time"
                    value={w.end === '24:00' ? '23:59' : w.end}
                    onChange={(e) => setWindow(i, { end: e.target.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                className="secondary small"
                onClick={() => setWindows((l) => l.filter((_, j) => j !== i))}
              >
                Remove
              </button>
              {problems?.at(`options.quietHours.${i}.days`) ? (
                <small className="error-text" role="alert">
                  Days: {problems.at(`options.quietHours.${i}.days`)}
                </small>
              ) : null}
            </div>
          ))}
          <button
            type="button"
            className="secondary small"
            onClick={() =>
              setWindows((l) => [
                ...l,
                keyWindow({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '22:00', end: '07:00' }),
              ])
            }
          >
            Add quiet hours
          </button>
        </fieldset>

        <fieldset>
          <legend>If a message cannot reach me</legend>
          <p className="hint">
            When a message bounces or a channel has no way to reach you, these are tried in order, each as
            your settings allow it. An alert rule that names its own channels uses those instead.
          </p>
          <div className="toolbar">
            {[...fallback, ''].slice(0, FALLBACK_CHANNELS.length).map((current, i) => (
              <Field key={ORDINALS[i]} label={ORDINALS[i]!} error={problems?.at(`options.fallback.${i}`)}>
                {(ids) => (
                  <select
                    id={ids.id}
                    value={current}
                    onChange={(e) => setFallbackAt(i, e.target.value)}
                    aria-describedby={ids.describedBy}
                  >
                    <option value="">{i === 0 ? 'Nothing else' : 'Nothing more'}</option>
                    {FALLBACK_CHANNELS.filter((c) => c === current || !fallback.includes(c)).map((c) => (
                      <option key={c} value={c}>
                        {label(c)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            ))}
          </div>
        </fieldset>

        <div className="checks">
          <label className="check">
            <input
              type="checkbox"
              checked={emailDigests}
              onChange={(e) => setEmailDigests(e.target.checked)}
            />
            Email digests: group several alerts into one email
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={selfNotifications}
              onChange={(e) => setSelfNotifications(e.target.checked)}
            />
            Tell me about my own actions too (resolving, assigning)
          </label>
        </div>
        <button type="submit">Save preferences</button>
      </form>
    </>
  );
}
