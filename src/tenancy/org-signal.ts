/**
 * "Something of this organization changed in this process": stages that keep a copy of it for a moment
 * subscribe and drop their copy when told.
 */
export interface OrgSignal {
  subscribe(listener: (orgId: string) => void): void;
  emit(orgId: string): void;
}

export function orgSignal(): OrgSignal {
  const listeners: ((orgId: string) => void)[] = [];
  return {
    subscribe: (listener) => {
      listeners.push(listener);
    },
    emit: (orgId) => {
      for (const listener of listeners) listener(orgId);
    },
  };
}
