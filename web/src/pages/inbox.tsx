import { type ReactNode, useState } from 'react';
import { describeError } from '../api';
import type { InboxState } from '../inbox-state';
import type { InboxMessage } from '../types';
import { Loading, label, Notice, PageHeader, relativeTime } from '../ui';

/** The in-app inbox: newest first, live, with read and archive. */
export function InboxPage(props: { inbox: InboxState }): ReactNode {
  const { inbox } = props;
  const [error, setError] = useState<string | null>(null);
  const act = (task: Promise<void>) => {
    setError(null);
    task.catch((e: unknown) => setError(describeError(e)));
  };

  return (
    <section aria-labelledby="page-title">
      <PageHeader
        title="Inbox"
        actions={
          <>
            <span className={`live ${inbox.live ? 'live-on' : ''}`} role="status">
              {inbox.live ? 'Live' : 'Connecting…'}
            </span>
            <button
              type="button"
              className="secondary"
              disabled={inbox.unread === 0}
              onClick={() => act(inbox.readAll())}
            >
              Mark all read
            </button>
          </>
        }
      >
        {inbox.unread === 0 ? 'Nothing unread.' : `${inbox.unread} unread.`} New messages appear here as they
        arrive.
      </PageHeader>
      {error ? <Notice kind="error">{error}</Notice> : null}
      {inbox.error ? <Notice kind="error">{inbox.error}</Notice> : null}
      {inbox.loading ? (
        <Loading what="your inbox" />
      ) : inbox.messages.length === 0 ? (
        <div className="empty">
          <p>Your inbox is empty.</p>
          <p className="muted">Alerts sent to you in the app show up here.</p>
        </div>
      ) : (
        <ul className="inbox-list" aria-live="polite">
          {inbox.messages.map((message) => (
            <InboxItem
              key={message.id}
              message={message}
              onRead={(read) => act(inbox.markRead(message.id, read))}
              onArchive={() => act(inbox.archive(message.id))}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function InboxItem(props: {
  message: InboxMessage;
  onRead: (read: boolean) => void;
  onArchive: () => void;
}): ReactNode {
  const { message } = props;
  const unread = !message.readAt;
  const safeUrl = /^https?:\/\//i.test(message.url) ? message.url : null;
  return (
    <li className={`inbox-item${unread ? ' unread' : ''}`} data-testid="inbox-item">
      <div className="inbox-main">
        <p className="inbox-meta">
          {unread ? (
            <span className="dot">
              <span className="visually-hidden">Unread</span>
            </span>
          ) : null}
          <span className="tag">{label(message.type)}</span>
          <time dateTime={message.createdAt} title={new Date(message.createdAt).toLocaleString()}>
            {relativeTime(message.createdAt)}
          </time>
        </p>
        <h2 className="inbox-title">
          {safeUrl ? (
            <a href={safeUrl} onClick={() => unread && props.onRead(true)}>
              {message.title}
            </a>
          ) : (
            message.title
          )}
        </h2>
        {message.body ? <p className="inbox-body">{message.body}</p> : null}
      </div>
      <div className="inbox-actions">
        <button type="button" className="secondary small" onClick={() => props.onRead(unread)}>
          {unread ? 'Mark read' : 'Mark unread'}
        </button>
        <button type="button" className="secondary small" onClick={props.onArchive}>
          Archive
        </button>
      </div>
    </li>
  );
}
