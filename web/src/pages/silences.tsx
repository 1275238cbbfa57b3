import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError, query } from '../api';
import type { Org, Page, Silence, SilenceMatcher, SilenceState } from '../types';
import { formatTime, Loading, Notice, PageHeader, ProjectPicker } from '../ui';
import { FiringAlerts } from './firing-alerts';
import { InhibitRules } from './inhibit-rules';
import { matcherText } from './matcher-rows';
import { type MuteCount, MutedCount } from './muted-count';
import { useProjectChoice } from './project-choice';
import { SilenceForm } from './silence-form';

/** A silence as Herald's API lists it: with what it has muted. */
type CountedSilence = Silence & MuteCount;

/** Expired silences shown at first and per "Show older". */
const EXPIRED_PAGE = 20;
/** The API's longest page. */
const MAX_PAGE = 200;

const STATE_TEXT: Readonly<Record<SilenceState, string>> = {
  active: 'Active',
  pending: 'Pending',
  expired: 'Expired',
};

/** The project's silences in force now or later: soonest to end first, then soonest to start. */
function inForceOrder(list: readonly CountedSilence[]): CountedSilence[] {
  const active = list
    .filter((s) => s.status.state === 'active')
    .sort((a, b) => a.endsAt.localeCompare(b.endsAt));
  const pending = list
    .filter((s) => s.status.state === 'pending')
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return [...active, ...pending];
}

/**
 * A project's silences: those active or pending, then those expired, latest first. While one is active,
 * the project's events that match it fire no alert rule. Below them, its inhibit rules. Who may change
 * the organization (`manage`) creates and expires silences and adds and deletes inhibit rules; everyone
 * in it reads them. `?project=…` picks the project, and follows the picker, so the page's address can
 * be passed on.
 */
export function SilencesPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const { token, org, manage } = props;
  const { projects, error: projectsError, projectSlug, setProjectSlug } = useProjectChoice(token, org);
  const [inForce, setInForce] = useState<readonly CountedSilence[] | null>(null);
  const [expired, setExpired] = useState<readonly CountedSilence[] | null>(null);
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  /** The matchers the new silence form starts with (an alert's labels), if any. */
  const [prefill, setPrefill] = useState<readonly SilenceMatcher[] | undefined>(undefined);
  /** Bumped to reload the firing alerts once a silence changed what keeps them quiet. */
  const [alertsVersion, setAlertsVersion] = useState(0);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);

  const base = `/api/v1/projects/${encodeURIComponent(org.slug)}/${encodeURIComponent(projectSlug)}/silences`;

  const load = useCallback(async () => {
    if (!projectSlug) return;
    // Those in force are few (the API caps them per project) and all shown; expired ones page.
    const all = async (state: SilenceState) => {
      const found: CountedSilence[] = [];
      let cursor: string | null | undefined;
      do {
        const page = await api<Page<CountedSilence>>(
          token,
          'GET',
          `${base}${query({ state, limit: MAX_PAGE, cursor })}`,
        );
        found.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return found;
    };
    const [active, pending, ended] = await Promise.all([
      all('active'),
      all('pending'),
      api<Page<CountedSilence>>(token, 'GET', `${base}${query({ state: 'expired', limit: EXPIRED_PAGE })}`),
    ]);
    setInForce(inForceOrder([...active, ...pending]));
    setExpired(ended.data);
    setOlderCursor(ended.nextCursor ?? null);
  }, [token, base, projectSlug]);

  useEffect(() => {
    setInForce(null);
    setExpired(null);
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const showOlder = async () => {
    if (!olderCursor) return;
    try {
      const page = await api<Page<CountedSilence>>(
        token,
        'GET',
        `${base}${query({ state: 'expired', limit: EXPIRED_PAGE, cursor: olderCursor })}`,
      );
      setExpired((shown) => [...(shown ?? []), ...page.data]);
      setOlderCursor(page.nextCursor ?? null);
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const expire = async (silence: Silence) => {
    setMessage(null);
    try {
      await api(token, 'DELETE', `${base}/${encodeURIComponent(silence.id)}`);
      await load();
      setAlertsVersion((v) => v + 1);
      setMessage({ kind: 'ok', text: `Silence ${silence.matchers.map(matcherText).join(', ')} expired.` });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  if (projects === null)
    return projectsError ? <Notice kind="error">{projectsError}</Notice> : <Loading what="projects" />;

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Silences"
        actions={
          projectSlug && manage && !creating ? (
            <button
              type="button"
              onClick={() => {
                setMessage(null);
                setPrefill(undefined);
                setCreating(true);
              }}
            >
              New silence
            </button>
          ) : null
        }
      >
        While a silence is active, the project's events that match it fire no alert rule; they are still
        stored and grouped into issues, and workflow messages are still sent.
      </PageHeader>
      <ProjectPicker
        projects={projects}
        value={projectSlug}
        onChange={(slug) => {
          setMessage(null);
          setProjectSlug(slug);
        }}
      />
      {manage ? null : (
        <p className="muted">
          You read this organization's silences; its owners and admins add and expire them.
        </p>
      )}
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {manage && creating && projectSlug ? (
        <SilenceForm
          key={`${projectSlug} ${alertsVersion} ${prefill?.map(matcherText).join(',') ?? ''}`}
          token={token}
          path={base}
          initial={prefill}
          onCancel={() => setCreating(false)}
          onCreated={(silence) => {
            setCreating(false);
            setAlertsVersion((v) => v + 1);
            setMessage({
              kind: 'ok',
              text: `Silence ${silence.matchers.map(matcherText).join(', ')} created, until ${formatTime(silence.endsAt)}.`,
            });
            void load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
          }}
        />
      ) : null}
      {projectSlug ? (
        <>
          <FiringAlerts
            key={`${projectSlug} ${alertsVersion}`}
            token={token}
            path={`/api/v1/projects/${encodeURIComponent(org.slug)}/${encodeURIComponent(projectSlug)}/alertmanager/api/v2/alerts`}
            manage={manage}
            onSilence={(matchers) => {
              setMessage(null);
              setPrefill(matchers);
              setCreating(true);
              window.scrollTo({ top: 0 });
            }}
          />
          <section className="org-section" aria-labelledby="in-force-title">
            <h2 id="in-force-title">Active and pending</h2>
            {inForce === null ? (
              <Loading what="silences" />
            ) : inForce.length === 0 ? (
              <div className="empty">
                <p>No silence is active or pending.</p>
              </div>
            ) : (
              <SilenceList silences={inForce} manage={manage} onExpire={(s) => void expire(s)} />
            )}
          </section>
          <section className="org-section" aria-labelledby="expired-title">
            <h2 id="expired-title">Expired</h2>
            {expired === null ? (
              <Loading what="expired silences" />
            ) : expired.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <SilenceList silences={expired} manage={manage} onExpire={(s) => void expire(s)} />
            )}
            {olderCursor ? (
              <button type="button" className="secondary small" onClick={() => void showOlder()}>
                Show older
              </button>
            ) : null}
          </section>
          <InhibitRules
            key={projectSlug}
            token={token}
            path={`/api/v1/projects/${encodeURIComponent(org.slug)}/${encodeURIComponent(projectSlug)}/inhibit-rules`}
            manage={manage}
          />
        </>
      ) : null}
    </section>
  );
}

function SilenceList(props: {
  silences: readonly CountedSilence[];
  manage: boolean;
  onExpire: (silence: Silence) => void;
}): ReactNode {
  return (
    <ul className="rule-list">
      {props.silences.map((s) => {
        const state = s.status.state;
        return (
          <li key={s.id} className="card rule-item" data-testid="silence-item">
            <div className="rule-head">
              <ul className="matchers" aria-label="Matchers">
                {s.matchers.map((m, i) => (
                  // A silence may repeat a matcher; its position keeps the keys apart.
                  // biome-ignore lint/suspicious/noArrayIndexKey: the list is never reordered.
                  <li key={i}>
                    <code>{matcherText(m)}</code>
                  </li>
                ))}
              </ul>
              <span
                className={`tag${state === 'pending' ? ' tag-warn' : state === 'expired' ? ' tag-muted' : ''}`}
                data-testid="silence-state"
              >
                {STATE_TEXT[state]}
              </span>
            </div>
            <p className="muted small">
              {state === 'pending' ? 'Starts' : 'Started'} {formatTime(s.startsAt)} ·{' '}
              {state === 'expired' ? 'ended' : 'ends'} {formatTime(s.endsAt)} · created by {s.createdBy}
            </p>
            <MutedCount of={s} />
            <p>{s.comment}</p>
            {props.manage && state !== 'expired' ? (
              <div className="button-row">
                <button type="button" className="danger small" onClick={() => props.onExpire(s)}>
                  Expire
                </button>
              </div>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
