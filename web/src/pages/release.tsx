import { type ReactNode, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { Session } from '../session';
import type { Release } from '../types';
import { formatTime, Loading, Notice, PageHeader } from '../ui';

/** A release, where a deploy message's "View release" link leads: its deploys and its commits. */
export function ReleasePage(props: {
  session: Session;
  org: string;
  project: string;
  version: string;
}): ReactNode {
  const { session, org, project, version } = props;
  const [release, setRelease] = useState<Release | null>(null);
  const [error, setError] = useState<string | null>(null);
  const path = `/api/v1/projects/${[org, project, 'releases', version].map(encodeURIComponent).join('/')}`;

  useEffect(() => {
    document.title = `${version} · Herald`;
    api<Release>(session.token, 'GET', path)
      .then(setRelease)
      .catch((e: unknown) => setError(describeError(e)));
  }, [session.token, path, version]);

  if (!release) {
    return (
      <section aria-labelledby="page-title">
        <PageHeader title={version} />
        {error ? <Notice kind="error">{error}</Notice> : <Loading what="the release" />}
      </section>
    );
  }
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={release.version}>
        Release of {project}, created {formatTime(release.createdAt)}.
      </PageHeader>
      <h2>Deploys</h2>
      {release.deploys.length === 0 ? (
        <p className="muted">Not deployed yet.</p>
      ) : (
        <ul className="plain-list">
          {release.deploys.map((d) => (
            <li key={d.id}>
              <p>
                <strong>{d.environment}</strong> · {formatTime(d.createdAt)}
              </p>
            </li>
          ))}
        </ul>
      )}
      <h2>Commits</h2>
      {release.commits.length === 0 ? (
        <p className="muted">No commits were recorded with this release.</p>
      ) : (
        <ul className="plain-list">
          {release.commits.map((c) => (
            <li key={c.id} data-testid="commit-item">
              <div>
                <p>{c.message?.split('\n', 1)[0] || c.id.slice(0, 7)}</p>
                <p className="muted">
                  {c.id.slice(0, 7)}
                  {c.authorName || c.authorEmail ? ` · ${c.authorName ?? c.authorEmail}` : ''}
                </p>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
