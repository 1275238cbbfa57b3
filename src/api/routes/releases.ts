import { z } from 'zod';
import { createReleaseSchema, environmentSchema, releaseVersionSchema } from '../../people/releases.js';
import type { Services } from '../../services.js';
import type { Principal } from '../../tenancy/context.js';
import { principalOf } from '../auth.js';
import { orgParams, slug } from '../schemas.js';
import type { ApiApp } from '../server.js';

const deploy = z.object({ id: z.string(), environment: z.string(), createdAt: z.string() });

const release = z
  .object({
    id: z.string(),
    projectId: z.string(),
    version: z.string(),
    createdAt: z.string(),
    commits: z.array(
      z.object({
        id: z.string(),
        message: z.string().nullable(),
        authorEmail: z.string().nullable(),
        authorName: z.string().nullable(),
      }),
    ),
    deploys: z.array(deploy),
  })
  .meta({ id: 'Release' });

const projectParams = orgParams.extend({ project: slug });

/** `/api/v1/projects/{org}/{project}/releases`, `…/releases/{version}` and `…/releases/{version}/deploys`. */
export function releaseRoutes(app: ApiApp, services: Services): void {
  const scope = async (principal: Principal, params: { org: string; project: string }) => {
    const org = await services.organizations.resolve(principal, params.org);
    const project = await services.projects.get(org.id, params.project);
    return { orgId: org.id, projectId: project.id };
  };

  app.post(
    '/api/v1/projects/:org/:project/releases',
    {
      schema: {
        tags: ['releases'],
        params: projectParams,
        body: createReleaseSchema,
        response: { 201: release },
      },
    },
    async (request, reply) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      return reply.code(201).send(await services.releases.create(orgId, projectId, request.body));
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/releases',
    {
      schema: {
        tags: ['releases'],
        summary: 'The newest 100 releases, newest first',
        params: projectParams,
        response: { 200: z.object({ data: z.array(release) }) },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return { data: await services.releases.list(projectId) };
    },
  );

  app.get(
    '/api/v1/projects/:org/:project/releases/:version',
    {
      schema: {
        tags: ['releases'],
        summary: 'One release by its version, with its commits and deploys',
        params: projectParams.extend({ version: releaseVersionSchema }),
        response: { 200: release },
      },
    },
    async (request) => {
      const { projectId } = await scope(principalOf(request), request.params);
      return services.releases.get(projectId, request.params.version);
    },
  );

  app.post(
    '/api/v1/projects/:org/:project/releases/:version/deploys',
    {
      schema: {
        tags: ['releases'],
        params: projectParams.extend({ version: releaseVersionSchema }),
        body: z.strictObject({ environment: environmentSchema }),
        response: { 201: deploy },
      },
    },
    async (request, reply) => {
      const { orgId, projectId } = await scope(principalOf(request), request.params);
      const created = await services.releases.deploy(
        orgId,
        projectId,
        request.params.version,
        request.body.environment,
      );
      return reply.code(201).send(created);
    },
  );
}
