import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { DeadLetter, Integration, Member, Org, Page } from '../types';
import { formatTime, Loading, label, Notice, recipientName } from '../ui';

/** Deliveries that exhausted their attempts, with their last error and a retry. */
export function DeadLetters(props: {
  token: string;
  org: Org;
  members: readonly Member[];
  integrations: readonly Integration[];
  /** Owners and admins replay; members read. */
  manage: boolean;
}): ReactNode {
  const [items, setItems] = useState<readonly DeadLetter[] | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const base = `/api/v1/orgs/${props.org.slug}/deliveries`;

  const load = useCallback(async () => {
    const page = await api<Page<DeadLetter>>(props.token, 'GET', `${base}?status=dead&limit=200`);
    setItems(page.data);
  }, [props.token, base]);

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const retry = async (ids?: string[]) => {
    setMessage(null);
    try {
      if (ids?.length === 1) {
        await api(props.token, 'POST', `${base}/${ids[0]}/retry`);
        await load();
        setMessage({ kind: 'ok', text: 'Queued again.' });
        return;
      }
      const answer = await api<{ data: unknown[]; held: { reason: string }[] }>(
        props.token,
        'POST',
        `${base}/retry`,
        ids ? { ids } : {},
      );
      await load();
      const held = answer.held.length;
      setMessage({
        kind: 'ok',
        text:
          held === 0
            ? 'Every dead letter is queued again.'
            : `${answer.data.length} queued again; ${held} wait for their integration to work again (${answer.held[0]?.reason}).`,
      });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  return (
    <>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {items === null ? (
        <Loading what="dead letters" />
      ) : items.length === 0 ? (
        <div className="empty">
          <p>No dead letters.</p>
          <p className="muted">
            A delivery lands here when every retry failed; it can be replayed from here.
          </p>
        </div>
      ) : (
        <>
          {props.manage ? (
            <div className="button-row">
              <button type="button" onClick={() => void retry()}>
                Retry all ({items.length})
              </button>
            </div>
          ) : null}
          <ul className="plain-list dead-list">
            {items.map((d) => (
              <li key={d.id}>
                <div>
                  <p>
                    <strong>{recipientName(d.recipient.id, props.members, props.integrations)}</strong> by{' '}
                    {label(d.channel)} · {d.attempts} attempts · last {formatTime(d.updatedAt)}
                  </p>
                  {d.lastError ? <pre className="error-box">{d.lastError}</pre> : null}
                </div>
                {props.manage ? (
                  <button type="button" className="secondary small" onClick={() => void retry([d.id])}>
                    Retry
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
