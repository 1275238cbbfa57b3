import { z } from 'zod';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { displayName, locale, orgParams, role, timeZone } from '../schemas.js';
import type { ApiApp } from '../server.js';

const member = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role,
  locale: z.string(),
  timezone: z.string(),
  createdAt: z.string(),
});

const memberParams = orgParams.extend({ userId: z.string().min(1).max(64) });

/** A field of the person, not of the membership: refused by name on PATCH. */
const personal = z
  .never({
    error: 'belongs to the person in every organization, not to this membership (only role changes here)',
  })
  .optional();

/** `/api/v1/orgs/{org}/members` and `/{userId}`. */
export function memberRoutes(app: ApiApp, services: Services): void {
  app.post(
    '/api/v1/orgs/:org/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Add a user to the organization by email (the user is created when new)',
        params: orgParams,
        body: z
          .object({
            email: z.email().max(320),
            name: displayName.optional(),
            role: role.optional(),
            locale: locale.optional(),
            timezone: timeZone.optional(),
          })
          .strict(),
        response: { 201: member },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const org = await services.organizations.resolve(principal, request.params.org);
      return reply.code(201).send(await services.members.add(org.id, request.body, principal));
    },
  );

  app.get(
    '/api/v1/orgs/:org/members',
    {
      schema: {
        tags: ['members'],
        params: orgParams,
        response: { 200: z.object({ data: z.array(member) }) },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return { data: await services.members.list(org.id) };
    },
  );

  app.patch(
    '/api/v1/orgs/:org/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary: "Change a member's role (owners only make or change owners; the last owner stays one: 409)",
        params: memberParams,
        body: z
          .object({
            role,
            email: personal.describe('Not accepted: the person’s own, in every organization'),
            name: personal.describe('Not accepted: the person’s own, in every organization'),
            locale: personal.describe('Not accepted: the person’s own (their notification settings)'),
            timezone: personal.describe('Not accepted: the person’s own (their notification settings)'),
          })
          .strict(),
        response: { 200: member },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const org = await services.organizations.resolve(principal, request.params.org);
      return services.members.update(principal, org.id, request.params.userId, request.body);
    },
  );

  app.delete(
    '/api/v1/orgs/:org/members/:userId',
    {
      schema: {
        tags: ['members'],
        summary:
          'Remove a member: their teams, assignments, subscriptions, settings and snoozes in the organization end, and nothing more is sent to them from it (the last owner stays: 409)',
        params: memberParams,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const org = await services.organizations.resolve(principal, request.params.org);
      await services.members.remove(principal, org.id, request.params.userId);
      return reply.code(204).send();
    },
  );
}
