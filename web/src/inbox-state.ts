import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from './api';
import type { InboxMessage, InboxPage } from './types';

/** The inbox as the app shows it: messages, unread count, live state and actions. */
export interface InboxState {
  readonly messages: readonly InboxMessage[];
  readonly unread: number;
  readonly live: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  readonly markRead: (id: string, read: boolean) => Promise<void>;
  readonly archive: (id: string) => Promise<void>;
  readonly readAll: () => Promise<void>;
  readonly reload: () => Promise<void>;
}

/**
 * Loads the inbox of a personal token and keeps it current from the live stream. EventSource cannot
 * send headers, so the stream takes the token as `?token=` (the server redacts it from its logs).
 */
export function useInbox(token: string | null): InboxState {
  const [messages, setMessages] = useState<readonly InboxMessage[]>([]);
  const [unread, setUnread] = useState(0);
  const [live, setLive] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const tokenRef = useRef(token);
  tokenRef.current = token;
  const messagesRef = useRef(messages);
  messagesRef.current = messages;

  const reload = useCallback(async () => {
    if (!token) return;
    try {
      const page = await api<InboxPage>(token, 'GET', '/api/v1/me/inbox?limit=100');
      setMessages(page.data);
      setUnread(page.unreadCount);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  }, [token]);

  useEffect(() => {
    if (!token) return;
    void reload();
    const source = new EventSource(`/api/v1/me/inbox/stream?token=${encodeURIComponent(token)}`);
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(false);
    source.addEventListener('message', (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as InboxMessage;
      if (messagesRef.current.some((m) => m.id === message.id)) return;
      messagesRef.current = [message, ...messagesRef.current];
      setMessages((list) => (list.some((m) => m.id === message.id) ? list : [message, ...list]));
      if (!message.readAt) setUnread((n) => n + 1);
    });
    return () => source.close();
  }, [token, reload]);

  const markRead = useCallback(async (id: string, read: boolean) => {
    const path = `/api/v1/me/inbox/${id}/${read ? 'read' : 'unread'}`;
    const updated = await api<InboxMessage>(tokenRef.current, 'POST', path);
    const before = messagesRef.current.find((m) => m.id === id);
    if (before && Boolean(before.readAt) !== Boolean(updated.readAt)) {
      setUnread((n) => Math.max(0, n + (read ? -1 : 1)));
    }
    setMessages((list) => list.map((m) => (m.id === updated.id ? updated : m)));
  }, []);

  const archive = useCallback(async (id: string) => {
    const before = messagesRef.current.find((m) => m.id === id);
    await api<InboxMessage>(tokenRef.current, 'POST', `/api/v1/me/inbox/${id}/archive`);
    if (before && !before.readAt) setUnread((n) => Math.max(0, n - 1));
    setMessages((list) => list.filter((m) => m.id !== id));
  }, []);

  const readAll = useCallback(async () => {
    const answer = await api<{ unreadCount: number }>(tokenRef.current, 'POST', '/api/v1/me/inbox/read-all');
    const now = new Date().toISOString();
    setMessages((list) => list.map((m) => (m.readAt ? m : { ...m, readAt: now })));
    setUnread(answer.unreadCount);
  }, []);

  return { messages, unread, live, loading, error, markRead, archive, readAll, reload };
}
