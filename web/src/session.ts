import { ApiError, api } from './api';
import type { Me, Org, Page } from './types';

const KEY = 'herald.token';

/**
 * Who is signed in. A personal token is a person (their settings, inbox, push); the admin token or an
 * organization API key manage organizations (rules, history, integrations) but have no inbox of their own.
 */
export type Session =
  | { readonly kind: 'user'; readonly token: string; readonly me: Me; readonly orgs: readonly Org[] }
  | { readonly kind: 'admin'; readonly token: string; readonly orgs: readonly Org[] };

/** The token kept for this tab; sessionStorage forgets it when the tab closes. */
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keeps (or, with null, forgets) the token for this tab. */
export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the session lasts until the page reloads.
  }
}

/** Finds out what a token is: a person's (`/me` answers) or an organization-level credential. */
export async function openSession(token: string): Promise<Session> {
  try {
    const me = await api<Me>(token, 'GET', '/api/v1/me');
    return { kind: 'user', token, me, orgs: me.organizations };
  } catch (error) {
    // 404: a valid token without a person behind it (admin token or org key).
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }
  const orgs = await api<Page<Org>>(token, 'GET', '/api/v1/orgs');
  return { kind: 'admin', token, orgs: orgs.data };
}

/** Takes a token handed over in the address (`#token=…` from a sign-in link) and removes it from view. */
export function tokenFromLocation(): string | null {
  const hash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = hash.get('token');
  if (!token) return null;
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return token;
}

const NEXT_KEY = 'herald.next';
/** As long as a sign-in link works. */
const NEXT_MS = 15 * 60_000;

/**
 * Remembers the page a person asked for a sign-in link on: the link opens in another tab (from the mail
 * client), which takes it back with {@link takePageAfterLink}. Kept in localStorage, shared by the tabs.
 */
export function rememberPageForLink(path: string): void {
  try {
    if (path === '/' || path === '/sign-in') localStorage.removeItem(NEXT_KEY);
    else localStorage.setItem(NEXT_KEY, JSON.stringify({ path, at: Date.now() }));
  } catch {
    // Storage refused: the link leads to the start page.
  }
}

/** The page remembered by {@link rememberPageForLink} within a link's lifetime, once; null otherwise. */
export function takePageAfterLink(): string | null {
  try {
    const kept = localStorage.getItem(NEXT_KEY);
    localStorage.removeItem(NEXT_KEY);
    if (!kept) return null;
    const { path, at } = JSON.parse(kept) as { path?: unknown; at?: unknown };
    const fresh = typeof at === 'number' && Date.now() - at < NEXT_MS;
    return fresh && typeof path === 'string' && path.startsWith('/') && !path.startsWith('//') ? path : null;
  } catch {
    return null;
  }
}

/** The prefix of organization API keys (`hrk_…`): such a key acts for its own organization alone. */
const ORG_KEY_PREFIX = 'hrk_';

/**
 * Whether the session may create organizations: the admin token only. The API does not tell the admin
 * token from an organization key, so a key is known by its prefix; were one taken for the other, the
 * API's refusal shows in the form.
 */
export function createsOrgs(session: Session): boolean {
  return session.kind === 'admin' && !session.token.startsWith(ORG_KEY_PREFIX);
}
