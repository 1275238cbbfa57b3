import { type ReactNode, useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { DigestSchedule, Org, Ownership, RetrySettings, ThrottleLimits } from '../types';
import { Loading, Notice, PageHeader, ProjectPicker } from '../ui';
import { LimitsForm, RetriesForm } from './delivery-limits';
import { DigestForm, OwnershipForm } from './delivery-project';
import { useProjectChoice } from './project-choice';

/** What a GET answered, or why it did not. */
type Loaded<T> = { readonly data: T } | { readonly error: string } | null;

/** Reads `path` once per path; a form starts from what it answered. */
function useLoaded<T>(token: string, path: string | null): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>(null);
  useEffect(() => {
    setLoaded(null);
    if (!path) return;
    let current = true;
    api<T>(token, 'GET', path)
      .then((data) => current && setLoaded({ data }))
      .catch((e: unknown) => current && setLoaded({ error: describeError(e) }));
    return () => {
      current = false;
    };
  }, [token, path]);
  return loaded;
}

/** A form once its values arrived: loading, the error, or the form. */
function Shown<T>(props: { loaded: Loaded<T>; what: string; children: (data: T) => ReactNode }): ReactNode {
  const { loaded } = props;
  if (loaded === null) return <Loading what={props.what} />;
  if ('error' in loaded) return <Notice kind="error">{loaded.error}</Notice>;
  return props.children(loaded.data);
}

/**
 * Settings that shape how Herald delivers: the organization's limits per recipient and channel and its
 * retries, and per project the digest schedule and the ownership rules. Who may change the organization
 * (`manage`) edits them; everyone in it reads them. `?project=…` picks the project, and follows the
 * picker, so the page's address can be passed on.
 */
export function DeliveryPage(props: { token: string; org: Org; manage: boolean }): ReactNode {
  const { token, org, manage } = props;
  const orgPath = `/api/v1/orgs/${encodeURIComponent(org.slug)}`;
  const throttle = useLoaded<ThrottleLimits>(token, `${orgPath}/throttle`);
  const retries = useLoaded<RetrySettings>(token, `${orgPath}/retries`);
  const { projects, error: projectError, projectSlug, setProjectSlug } = useProjectChoice(token, org);

  // The picked project once the list confirmed it: a slug from the address may name none.
  const projectPath = projects?.some((p) => p.slug === projectSlug)
    ? `/api/v1/projects/${encodeURIComponent(org.slug)}/${encodeURIComponent(projectSlug)}`
    : null;

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Delivery settings">
        How Herald paces what it sends so nobody is flooded, how hard it tries before a delivery is a dead
        letter, and who owns a project's events.
      </PageHeader>
      {manage ? null : (
        <p className="muted">
          You read this organization's delivery settings; its owners and admins change them.
        </p>
      )}
      <section className="org-section" aria-labelledby="org-delivery-title">
        <h2 id="org-delivery-title">Whole organization</h2>
        <Shown loaded={throttle} what="limits">
          {(view) => <LimitsForm token={token} path={`${orgPath}/throttle`} view={view} manage={manage} />}
        </Shown>
        <Shown loaded={retries} what="retries">
          {(view) => <RetriesForm token={token} path={`${orgPath}/retries`} view={view} manage={manage} />}
        </Shown>
      </section>
      <section className="org-section" aria-labelledby="project-delivery-title">
        <h2 id="project-delivery-title">Per project</h2>
        {projects === null ? (
          projectError ? (
            <Notice kind="error">{projectError}</Notice>
          ) : (
            <Loading what="projects" />
          )
        ) : (
          <ProjectPicker projects={projects} value={projectSlug} onChange={setProjectSlug} />
        )}
        {projectPath ? (
          <ProjectDelivery key={projectPath} token={token} path={projectPath} manage={manage} />
        ) : null}
      </section>
    </section>
  );
}

function ProjectDelivery(props: { token: string; path: string; manage: boolean }): ReactNode {
  const { token, path, manage } = props;
  const digests = useLoaded<DigestSchedule>(token, `${path}/digests`);
  const ownership = useLoaded<Ownership>(token, `${path}/ownership`);
  return (
    <>
      <Shown loaded={digests} what="digest schedule">
        {(view) => <DigestForm token={token} path={`${path}/digests`} view={view} manage={manage} />}
      </Shown>
      <Shown loaded={ownership} what="ownership rules">
        {(view) => <OwnershipForm token={token} path={`${path}/ownership`} view={view} manage={manage} />}
      </Shown>
    </>
  );
}
