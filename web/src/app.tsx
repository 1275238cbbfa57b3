import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { describeError } from './api';
import { useInbox } from './inbox-state';
import { ApiKeysPage } from './pages/api-keys';
import { DeliveryPage } from './pages/delivery';
import { HistoryPage } from './pages/history';
import { InboxPage } from './pages/inbox';
import { IntegrationsPage } from './pages/integrations';
import { IssuePage, ProjectIssuesPage } from './pages/issue';
import { MembersPage } from './pages/members';
import { NewOrgPage } from './pages/org-form';
import { ProjectsPage } from './pages/projects';
import { ReleasePage } from './pages/release';
import { RulesPage } from './pages/rules';
import { SettingsPage } from './pages/settings';
import { SignInPage } from './pages/sign-in';
import { SilencesPage } from './pages/silences';
import { TemplatesPage } from './pages/templates';
import { Link, navigate, usePath } from './router';
import {
  createsOrgs,
  openSession,
  type Session,
  storedToken,
  storeToken,
  takePageAfterLink,
  tokenFromLocation,
} from './session';
import type { Org, Role } from './types';
import { Notice } from './ui';

const ORG_KEY = 'herald.org';

interface NavItem {
  readonly path: string;
  readonly label: string;
  readonly for: 'user' | 'admin' | 'both';
}

const NAV: readonly NavItem[] = [
  { path: '/inbox', label: 'Inbox', for: 'user' },
  { path: '/settings', label: 'My settings', for: 'both' },
  // A person reads these for each organization they are in; its owners and admins change them.
  { path: '/rules', label: 'Rules', for: 'both' },
  { path: '/silences', label: 'Silences', for: 'both' },
  { path: '/history', label: 'History', for: 'both' },
  { path: '/integrations', label: 'Integrations', for: 'both' },
  { path: '/delivery', label: 'Delivery settings', for: 'both' },
  { path: '/templates', label: 'Templates', for: 'both' },
  { path: '/projects', label: 'Projects & teams', for: 'both' },
  { path: '/members', label: 'Members', for: 'both' },
  { path: '/api-keys', label: 'API keys', for: 'both' },
];

/** Where the admin token creates another organization. */
const NEW_ORG_PATH = '/orgs/new';

/** A path segment decoded; as it is when it is not valid percent-encoding. */
function segment(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function homeOf(session: Session): string {
  return session.kind === 'user' ? '/inbox' : '/history';
}

/** The dashboard: signs in, then shows the pages the credential can use. */
export function App(): ReactNode {
  const path = usePath();
  const [session, setSession] = useState<Session | null>(null);
  const [starting, setStarting] = useState(true);
  const [startError, setStartError] = useState<string | null>(null);

  const signIn = useCallback(async (token: string) => {
    const opened = await openSession(token);
    storeToken(token);
    setSession(opened);
    return opened;
  }, []);

  useEffect(() => {
    const handed = tokenFromLocation();
    // A sign-in link leads back to the page it was asked for on.
    const next = handed ? takePageAfterLink() : null;
    if (next) navigate(next, { replace: true });
    const token = handed ?? storedToken();
    if (!token) {
      setStarting(false);
      return;
    }
    signIn(token)
      .catch((error: unknown) => {
        storeToken(null);
        setStartError(`Please sign in again: ${describeError(error)}`);
      })
      .finally(() => setStarting(false));
  }, [signIn]);

  const signOut = () => {
    storeToken(null);
    setSession(null);
    navigate('/sign-in');
  };

  if (starting) return <p className="boot">Loading Herald…</p>;
  if (!session) {
    return (
      <SignInPage
        notice={startError}
        onToken={async (token) => {
          const opened = await signIn(token);
          // The page asked for, with its query (a rule link's `?org=…&rule=…`).
          const asked = path + window.location.search;
          navigate(path === '/' || path === '/sign-in' ? homeOf(opened) : asked, { replace: true });
        }}
      />
    );
  }
  return (
    <SignedIn
      session={session}
      path={path}
      onSignOut={signOut}
      onOrgCreated={(org) => setSession((s) => (s ? { ...s, orgs: [...s.orgs, org] } : s))}
      onOrgRenamed={(org) =>
        setSession((s) => (s ? { ...s, orgs: s.orgs.map((o) => (o.id === org.id ? org : o)) } : s))
      }
      onOwnRoleChanged={(orgId, role) =>
        setSession((s) =>
          s?.kind === 'user'
            ? {
                ...s,
                me: {
                  ...s.me,
                  organizations: s.me.organizations.map((o) => (o.id === orgId ? { ...o, role } : o)),
                },
              }
            : s,
        )
      }
    />
  );
}

function SignedIn(props: {
  session: Session;
  path: string;
  onSignOut: () => void;
  onOrgCreated: (org: Org) => void;
  onOrgRenamed: (org: Org) => void;
  /** The person changed their own role in an organization: what the pages offer follows at once. */
  onOwnRoleChanged: (orgId: string, role: Role) => void;
}): ReactNode {
  const { session, path } = props;
  const inbox = useInbox(session.kind === 'user' ? session.token : null);
  // A link into an organization's pages (`?org=…`) chooses it; otherwise the tab's last choice.
  const [orgSlug, setOrgSlug] = useState<string | null>(
    () => new URLSearchParams(window.location.search).get('org') ?? sessionStorage.getItem(ORG_KEY),
  );
  const org: Org | undefined = session.orgs.find((o) => o.slug === orgSlug) ?? session.orgs[0];
  const role = session.kind === 'user' ? session.me.organizations.find((o) => o.id === org?.id)?.role : null;
  // The admin token and org keys act for the organization; a person as their role in it allows.
  const manage = session.kind === 'admin' || role === 'owner' || role === 'admin';
  // Only owners make or change owners; the admin token and org keys act for the whole organization.
  const makesOwners = session.kind === 'admin' || role === 'owner';
  const me = session.kind === 'user' ? session.me.id : null;
  const chooseOrg = (slug: string) => {
    sessionStorage.setItem(ORG_KEY, slug);
    setOrgSlug(slug);
  };
  // What was just done elsewhere, said on the page it led to until the person moves on.
  const [flash, setFlash] = useState<{ readonly path: string; readonly text: string } | null>(null);
  const orgCreated = (created: Org) => {
    props.onOrgCreated(created);
    chooseOrg(created.slug);
    setFlash({
      path: '/projects',
      text: `Organization “${created.name}” created. Next, a project for its events, then its members.`,
    });
    navigate('/projects');
  };

  useEffect(() => {
    if (path === '/' || path === '/sign-in') navigate(homeOf(session), { replace: true });
  }, [path, session]);
  useEffect(() => {
    if (flash && flash.path !== path) setFlash(null);
  }, [flash, path]);

  const items = NAV.filter((item) => item.for === 'both' || item.for === session.kind);
  const current = items.find((item) => path.startsWith(item.path));

  // Pages of an issue, a project's issues and a release: where the links of messages lead, for every
  // session.
  const issue = /^\/issues\/([^/]+)/.exec(path);
  const projectIssues = /^\/orgs\/([^/]+)\/projects\/([^/]+)\/issues\/?$/.exec(path);
  const release = /^\/orgs\/([^/]+)\/projects\/([^/]+)\/releases\/([^/]+)$/.exec(path);
  const namesItself = Boolean(issue || projectIssues || release);
  const newOrg = path === NEW_ORG_PATH && createsOrgs(session);
  useEffect(() => {
    if (namesItself) return;
    document.title = newOrg ? 'New organization · Herald' : current ? `${current.label} · Herald` : 'Herald';
  }, [current, namesItself, newOrg]);

  let page: ReactNode;
  if (newOrg) {
    page = (
      <NewOrgPage
        token={session.token}
        first={session.orgs.length === 0}
        onCreated={orgCreated}
        onCancel={session.orgs.length > 0 ? () => navigate('/projects') : undefined}
      />
    );
  } else if (release) {
    page = (
      <ReleasePage
        session={session}
        org={segment(release[1]!)}
        project={segment(release[2]!)}
        version={segment(release[3]!)}
      />
    );
  } else if (issue) {
    page = <IssuePage key={issue[1]} session={session} id={segment(issue[1]!)} />;
  } else if (projectIssues) {
    page = (
      <ProjectIssuesPage
        session={session}
        org={segment(projectIssues[1]!)}
        project={segment(projectIssues[2]!)}
      />
    );
  } else if (!current) {
    const elsewhere = NAV.find((item) => path.startsWith(item.path));
    page = elsewhere ? (
      <Notice kind="info">
        {elsewhere.label}{' '}
        {elsewhere.for === 'admin'
          ? 'needs the admin token or an organization API key'
          : 'needs a personal token'}
        .{' '}
        <button type="button" className="link" onClick={props.onSignOut}>
          Sign in with another token
        </button>
      </Notice>
    ) : (
      <Notice kind="info">
        There is no page at {path}. <Link to={homeOf(session)}>Go to the start page</Link>.
      </Notice>
    );
  } else if (current.path === '/inbox') {
    page = <InboxPage inbox={inbox} />;
  } else if (current.path === '/settings') {
    page = <SettingsPage session={session} org={org} />;
  } else if (!org) {
    // A new installation: the admin token starts it here rather than at an empty page.
    page = createsOrgs(session) ? (
      <NewOrgPage token={session.token} first onCreated={orgCreated} />
    ) : (
      <Notice kind="info">
        You are in no organization yet: an owner or admin of one adds you on its Members page.
      </Notice>
    );
  } else if (current.path === '/rules') {
    page = <RulesPage key={org.id} token={session.token} org={org} manage={manage} me={me} />;
  } else if (current.path === '/silences') {
    page = <SilencesPage key={org.id} token={session.token} org={org} manage={manage} />;
  } else if (current.path === '/history') {
    page = <HistoryPage key={org.id} token={session.token} org={org} manage={manage} />;
  } else if (current.path === '/projects') {
    page = (
      <ProjectsPage
        key={org.id}
        token={session.token}
        org={org}
        manage={manage}
        createsOrgs={createsOrgs(session)}
        onOrgRenamed={props.onOrgRenamed}
      />
    );
  } else if (current.path === '/templates') {
    page = <TemplatesPage key={org.id} token={session.token} org={org} manage={manage} />;
  } else if (current.path === '/api-keys') {
    page = <ApiKeysPage key={org.id} token={session.token} org={org} manage={manage} />;
  } else if (current.path === '/members') {
    page = (
      <MembersPage
        key={org.id}
        token={session.token}
        org={org}
        manage={manage}
        makesOwners={makesOwners}
        me={me}
        onOwnRoleChanged={(role) => props.onOwnRoleChanged(org.id, role)}
      />
    );
  } else if (current.path === '/delivery') {
    page = <DeliveryPage key={org.id} token={session.token} org={org} manage={manage} />;
  } else {
    page = <IntegrationsPage key={org.id} token={session.token} org={org} manage={manage} />;
  }

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to={homeOf(session)} className="brand">
            <span aria-hidden="true" className="brand-mark">
              H
            </span>
            Herald
          </Link>
          <nav aria-label="Main">
            <ul>
              {items.map((item) => (
                <li key={item.path}>
                  <Link to={item.path} current={current?.path === item.path}>
                    {item.path === '/settings' && session.kind === 'admin' ? 'Member settings' : item.label}
                    {item.path === '/inbox' && inbox.unread > 0 ? (
                      <span className="badge" data-testid="unread-badge">
                        {inbox.unread > 99 ? '99+' : inbox.unread}
                        <span className="visually-hidden"> unread</span>
                      </span>
                    ) : null}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="who">
            {session.orgs.length > 1 ? (
              <label className="org-switch">
                <span className="visually-hidden">Organization</span>
                <select value={org?.slug ?? ''} onChange={(e) => chooseOrg(e.target.value)}>
                  {session.orgs.map((o) => (
                    <option key={o.id} value={o.slug}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <span className="who-name">
                {session.kind === 'user' ? session.me.name || session.me.email : (org?.name ?? 'Admin')}
              </span>
            )}
            <button type="button" className="secondary small" onClick={props.onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {flash && flash.path === path ? <Notice kind="ok">{flash.text}</Notice> : null}
        {page}
      </main>
    </>
  );
}
