import { useEffect, useState } from 'react';
import { api, describeError } from '../api';
import type { Org, Page, Project } from '../types';

/**
 * The organization's projects and the one a page shows: `?project=…` of the page's address when it names
 * one of them, else the first; a choice is written back into the address, so it can be passed on.
 * `projects` is null until read; `error` says why it could not be.
 */
export function useProjectChoice(token: string, org: Org) {
  const [projects, setProjects] = useState<readonly Project[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [projectSlug, setProjectSlug] = useState<string>(
    () => new URLSearchParams(window.location.search).get('project') ?? '',
  );

  useEffect(() => {
    api<Page<Project>>(token, 'GET', `/api/v1/orgs/${encodeURIComponent(org.slug)}/projects`)
      .then((p) => {
        setProjects(p.data);
        setProjectSlug((current) =>
          p.data.some((project) => project.slug === current) ? current : p.data[0]?.slug || '',
        );
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [token, org.slug]);

  useEffect(() => {
    if (!projectSlug) return;
    const params = new URLSearchParams(window.location.search);
    if (params.get('project') === projectSlug) return;
    params.set('project', projectSlug);
    window.history.replaceState(null, '', `${window.location.pathname}?${params.toString()}`);
  }, [projectSlug]);

  return { projects, error, projectSlug, setProjectSlug };
}
