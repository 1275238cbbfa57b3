import { z } from 'zod';
import { CHANNEL_KINDS } from '../../delivery/channel.js';
import { NotFoundError } from '../../errors.js';
import { userOptionsInputSchema } from '../../people/user-options.js';
import {
  OWNER_TYPES,
  SCOPE_TYPES,
  SETTING_TYPES,
  SETTING_VALUES,
  settingsUpdateSchema,
} from '../../preferences/setting-schema.js';
import { FALLBACK_CHANNELS } from '../../rules/rule-schema.js';
import type { Services } from '../../services.js';
import { principalOf } from '../auth.js';
import { orgParams, serviceValidatesBody } from '../schemas.js';
import type { ApiApp } from '../server.js';

const settingRow = z.object({
  ownerType: z.enum(OWNER_TYPES),
  ownerId: z.string(),
  type: z.enum(SETTING_TYPES),
  channel: z.enum(CHANNEL_KINDS).nullable(),
  scopeType: z.enum(SCOPE_TYPES),
  scopeId: z.string(),
  value: z.enum(SETTING_VALUES),
});

const effective = z.object({
  type: z.enum(SETTING_TYPES),
  channel: z.enum(CHANNEL_KINDS),
  value: z.enum(SETTING_VALUES),
  source: z.union([
    z.literal('default'),
    z.object({
      scopeType: z.enum(SCOPE_TYPES),
      scopeId: z.string(),
      ownerType: z.enum(OWNER_TYPES),
      ownerId: z.string(),
      channel: z.enum(CHANNEL_KINDS).nullable(),
    }),
  ]),
});

const userSettings = z
  .object({
    userId: z.string(),
    settings: z.array(settingRow),
    context: z.object({ orgId: z.string().nullable(), projectId: z.string().nullable() }),
    effective: z.array(effective),
    options: z.object({
      locale: z.string(),
      timezone: z.string(),
      quietHours: z
        .array(z.object({ days: z.array(z.string()).readonly(), start: z.string(), end: z.string() }))
        .readonly(),
      snoozeUntil: z.string().nullable(),
      emailDigests: z.boolean(),
      selfNotifications: z.boolean(),
      fallback: z
        .array(z.enum(FALLBACK_CHANNELS))
        .readonly()
        .describe(
          'Personal channels tried in order when a message cannot reach the person and its rule names none',
        ),
    }),
  })
  .meta({ id: 'UserNotificationSettings' });

const teamSettings = z.object({
  teamId: z.string(),
  settings: z.array(settingRow),
  context: z.object({ orgId: z.string(), projectId: z.string().nullable() }),
  effective: z.array(effective),
});

/** Documents the PUT body; the settings service validates it and names every bad field itself. */
const putBody = z.object({
  settings: settingsUpdateSchema.shape.settings.optional(),
  options: userOptionsInputSchema.optional(),
});

const query = z.object({ orgId: z.string().max(128).optional(), projectId: z.string().max(128).optional() });
const userParams = z.object({ userId: z.string().min(1).max(64) });
const teamParams = orgParams.extend({ team: z.string().min(1).max(64) });

/** `/api/v1/users/{userId}/notification-settings`, `/api/v1/me/…`, and teams' settings. */
export function notificationSettingRoutes(app: ApiApp, services: Services): void {
  const settings = services.notificationSettings;
  const me = (principal: ReturnType<typeof principalOf>) => {
    if (principal.kind !== 'user') throw new NotFoundError('User');
    return principal.userId;
  };

  app.get(
    '/api/v1/users/:userId/notification-settings',
    {
      schema: {
        tags: ['preferences'],
        params: userParams,
        querystring: query,
        response: { 200: userSettings },
      },
    },
    async (request) => settings.getForUser(principalOf(request), request.params.userId, request.query),
  );
  app.put(
    '/api/v1/users/:userId/notification-settings',
    {
      schema: { tags: ['preferences'], params: userParams, body: putBody, response: { 200: userSettings } },
      validatorCompiler: serviceValidatesBody,
    },
    async (request) => settings.putForUser(principalOf(request), request.params.userId, request.body),
  );
  app.get(
    '/api/v1/me/notification-settings',
    { schema: { tags: ['preferences'], querystring: query, response: { 200: userSettings } } },
    async (request) => {
      const principal = principalOf(request);
      return settings.getForUser(principal, me(principal), request.query);
    },
  );
  app.put(
    '/api/v1/me/notification-settings',
    {
      schema: { tags: ['preferences'], body: putBody, response: { 200: userSettings } },
      validatorCompiler: serviceValidatesBody,
    },
    async (request) => {
      const principal = principalOf(request);
      return settings.putForUser(principal, me(principal), request.body);
    },
  );

  app.get(
    '/api/v1/orgs/:org/teams/:team/notification-settings',
    {
      schema: {
        tags: ['preferences'],
        params: teamParams,
        querystring: query.pick({ projectId: true }),
        response: { 200: teamSettings },
      },
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return settings.getForTeam(org.id, request.params.team, request.query);
    },
  );
  app.put(
    '/api/v1/orgs/:org/teams/:team/notification-settings',
    {
      schema: {
        tags: ['preferences'],
        params: teamParams,
        body: putBody.pick({ settings: true }),
        response: { 200: teamSettings },
      },
      validatorCompiler: serviceValidatesBody,
    },
    async (request) => {
      const org = await services.organizations.resolve(principalOf(request), request.params.org);
      return settings.putForTeam(org.id, request.params.team, request.body);
    },
  );
}
