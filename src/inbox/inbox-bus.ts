import type { InboxMessage } from './inbox-store.js';

/**
 * What travels on the bus: "user U has message M" (with the message itself when it is at hand, in one
 * process), or `resync` when the bus may have lost signals (a dropped database connection) and every
 * stream should catch up from the store.
 */
export type InboxSignal =
  | {
      readonly kind: 'message';
      readonly userId: string;
      readonly messageId: string;
      readonly message?: InboxMessage;
    }
  | { readonly kind: 'resync' };

/** Receives the signals of one user, and every `resync`. */
export type InboxListener = (signal: InboxSignal) => void;

/**
 * Tells live inbox streams that a message arrived, across every process that shares the store: in
 * memory in one process, through PostgreSQL LISTEN/NOTIFY in the cluster profile.
 */
export interface InboxBus {
  /** Announces a stored message to its owner's streams, wherever they are held. */
  publish(userId: string, message: InboxMessage): Promise<void>;
  /** Listens for one user's messages; returns the function that stops listening. */
  subscribe(userId: string, listener: InboxListener): () => void;
  close(): Promise<void>;
}

/** Listeners by user, shared by both bus implementations. */
export function listenerRegistry() {
  const byUser = new Map<string, Set<InboxListener>>();

  function call(listener: InboxListener, signal: InboxSignal): void {
    try {
      listener(signal);
    } catch {
      // One broken stream must not keep the others from hearing about the message.
    }
  }

  return {
    add(userId: string, listener: InboxListener): () => void {
      let set = byUser.get(userId);
      if (!set) {
        set = new Set();
        byUser.set(userId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && byUser.get(userId) === set) byUser.delete(userId);
      };
    },
    /** Hands a signal to the listeners of `userId`, or to everyone for `resync`. */
    emit(signal: InboxSignal): void {
      if (signal.kind === 'resync') {
        for (const set of byUser.values()) for (const listener of [...set]) call(listener, signal);
        return;
      }
      for (const listener of [...(byUser.get(signal.userId) ?? [])]) call(listener, signal);
    },
    /** How many streams listen, over all users. */
    size(): number {
      let n = 0;
      for (const set of byUser.values()) n += set.size;
      return n;
    },
  };
}

/** The bus of one process (embedded profile): signals go straight to this process's streams. */
export function memoryInboxBus(): InboxBus {
  const listeners = listenerRegistry();
  return {
    async publish(userId, message) {
      listeners.emit({ kind: 'message', userId, messageId: message.id, message });
    },
    subscribe: (userId, listener) => listeners.add(userId, listener),
    async close() {},
  };
}
