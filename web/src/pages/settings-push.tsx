import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { EffectiveSetting, Page } from '../types';
import { formatTime, Notice } from '../ui';

interface PushSubscriptionView {
  readonly id: string;
  readonly endpoint: string;
  readonly userAgent: string | null;
  readonly createdAt: string;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  const raw = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

const supported = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/** Web push on this browser: registers the service worker and hands its subscription to Herald. */
export function PushSection(props: { token: string; pushEffective: readonly EffectiveSetting[] }): ReactNode {
  const [subs, setSubs] = useState<readonly PushSubscriptionView[]>([]);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const page = await api<Page<PushSubscriptionView>>(props.token, 'GET', '/api/v1/me/push-subscriptions');
    setSubs(page.data);
  }, [props.token]);

  useEffect(() => {
    load().catch((e: unknown) => setMessage({ kind: 'error', text: describeError(e) }));
  }, [load]);

  const enable = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') throw new Error('The browser did not allow notifications for this site.');
      const registration = await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
      const { publicKey } = await api<{ publicKey: string }>(null, 'GET', '/api/v1/push/vapid-public-key');
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      });
      await api(props.token, 'POST', '/api/v1/me/push-subscriptions', subscription.toJSON());
      await load();
      setMessage({ kind: 'ok', text: 'Push is on for this browser.' });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (id: string) => {
    try {
      await api(props.token, 'DELETE', `/api/v1/me/push-subscriptions/${id}`);
      await load();
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const pushOn = props.pushEffective.some((e) => e.channel === 'push' && e.value !== 'never');

  return (
    <section className="card" aria-labelledby="push-title">
      <h2 id="push-title">Push notifications on this browser</h2>
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {!pushOn ? (
        <p className="hint">
          Web push is off in the table above; turn it on for a type so alerts arrive here.
        </p>
      ) : null}
      {supported() ? (
        <button type="button" onClick={() => void enable()} disabled={busy}>
          {busy ? 'Turning on…' : 'Turn on push for this browser'}
        </button>
      ) : (
        <p className="muted">This browser does not support web push.</p>
      )}
      {subs.length > 0 ? (
        <ul className="plain-list">
          {subs.map((s) => (
            <li key={s.id}>
              <span>
                {s.userAgent ? s.userAgent.slice(0, 60) : 'A browser'} · since {formatTime(s.createdAt)}
              </span>
              <button type="button" className="secondary small" onClick={() => void remove(s.id)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
