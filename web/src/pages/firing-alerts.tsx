import { type ReactNode, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { SilenceMatcher } from '../types';
import { formatTime, Loading, Notice, relativeTime } from '../ui';

/** A firing alert as Herald's Alertmanager-compatible list gives it (`GET …/api/v2/alerts`). */
interface FiringAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly status: {
    readonly state: 'active' | 'suppressed' | 'unprocessed';
    readonly silencedBy: readonly string[];
    readonly inhibitedBy: readonly string[];
  };
}

/** The matchers that silence exactly this alert: each of its labels, equal. */
export function matchersOfAlert(alert: Pick<FiringAlert, 'labels'>): SilenceMatcher[] {
  return Object.entries(alert.labels).map(([name, value]) => ({
    name,
    value,
    isRegex: false,
    isEqual: true,
  }));
}

/**
 * The project's firing Prometheus alerts (at `path`, the Alertmanager-compatible list), with what keeps
 * each quiet: a silence or an inhibit rule. Who may manage silences silences one from here: the new
 * silence form opens with its labels. The parent remounts it (a new `key`) to read the list again.
 */
export function FiringAlerts(props: {
  token: string;
  path: string;
  manage: boolean;
  onSilence: (matchers: SilenceMatcher[]) => void;
}): ReactNode {
  const { token, path } = props;
  const [alerts, setAlerts] = useState<readonly FiringAlert[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    setError(null);
    api<FiringAlert[]>(token, 'GET', path)
      .then((list) => current && setAlerts(list))
      .catch((e: unknown) => current && setError(describeError(e)));
    return () => {
      current = false;
    };
  }, [token, path]);

  return (
    <section className="org-section" aria-labelledby="firing-title">
      <h2 id="firing-title">Firing alerts</h2>
      {error ? (
        <Notice kind="error">{error}</Notice>
      ) : alerts === null ? (
        <Loading what="firing alerts" />
      ) : alerts.length === 0 ? (
        <p className="muted">No Prometheus alert of this project fires now.</p>
      ) : (
        <ul className="rule-list">
          {alerts.map((alert) => {
            const { alertname, ...others } = alert.labels;
            const silenced = alert.status.silencedBy.length > 0;
            const inhibited = alert.status.inhibitedBy.length > 0;
            return (
              <li key={alert.fingerprint} className="card rule-item" data-testid="firing-alert">
                <div className="rule-head">
                  <strong>{alertname ?? 'Alert'}</strong>
                  <span
                    className={`tag${silenced || inhibited ? ' tag-muted' : ''}`}
                    data-testid="alert-state"
                  >
                    {silenced ? 'Silenced' : inhibited ? 'Inhibited' : 'Active'}
                  </span>
                </div>
                <ul className="matchers" aria-label="Labels">
                  {Object.entries(others).map(([name, value]) => (
                    <li key={name}>
                      <code>
                        {name}={JSON.stringify(value)}
                      </code>
                    </li>
                  ))}
                </ul>
                {alert.annotations.summary ? <p>{alert.annotations.summary}</p> : null}
                <p className="muted small">
                  Firing since {relativeTime(alert.startsAt)} · ends {formatTime(alert.endsAt)} unless sent
                  again
                </p>
                {props.manage && !silenced ? (
                  <div className="button-row">
                    <button
                      type="button"
                      className="secondary small"
                      onClick={() => props.onSilence(matchersOfAlert(alert))}
                    >
                      Silence
                    </button>
                  </div>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
