import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { redactUrl } from '../logger.js';
import type { Services } from '../services.js';
import type { Store } from '../store/store.js';
import { authenticate } from './auth.js';
import { errorHandler } from './errors.js';
import { idempotency } from './idempotency.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { integrationRoutes } from './routes/integrations.js';
import { issueRoutes } from './routes/issues.js';
import { memberRoutes } from './routes/members.js';
import { notificationSettingRoutes } from './routes/notification-settings.js';
import { notificationRoutes } from './routes/notifications.js';
import { organizationRoutes } from './routes/organizations.js';
import { ownershipRoutes } from './routes/ownership.js';
import { projectRoutes } from './routes/projects.js';
import { releaseRoutes } from './routes/releases.js';
import { ruleRoutes } from './routes/rules.js';
import { sentryRoutes } from './routes/sentry.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { teamRoutes } from './routes/teams.js';
import { templateRoutes } from './routes/templates.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { userRoutes } from './routes/users.js';

/** The Fastify instance with zod schemas as its type provider. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** What the HTTP API needs. */
export interface ApiOptions {
  readonly store: Store;
  readonly services: Services;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Largest accepted body in bytes. */
  readonly bodyLimit: number;
  readonly version: string;
}

/** Builds the HTTP API: routes, validation, auth, idempotency, errors, OpenAPI. */
export async function buildApi(options: ApiOptions): Promise<ApiApp> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : newId('req');
    },
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => errorHandler(new NotFoundError('Route'), _request, reply));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald API',
        version: options.version,
        description: 'Self-hosted notification engine for software monitoring.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, options.store);
  unsubscribeRoutes(app, options.services);
  await app.register(sentryRoutes(options.services, options.bodyLimit));

  const keys = idempotency(options.store.db, options.clock);
  await app.register(async (api: ApiApp) => {
    api.addHook('onRequest', authenticate(options.services.apiKeys));
    api.addHook('preHandler', keys.preHandler);
    api.addHook('onSend', keys.onSend);
    organizationRoutes(api, options.services);
    memberRoutes(api, options.services);
    teamRoutes(api, options.services);
    projectRoutes(api, options.services);
    integrationRoutes(api, options.services);
    apiKeyRoutes(api, options.services);
    userRoutes(api, options.services);
    notificationSettingRoutes(api, options.services);
    ownershipRoutes(api, options.services);
    releaseRoutes(api, options.services);
    subscriptionRoutes(api, options.services);
    notificationRoutes(api, options.services);
    eventRoutes(api, options.services);
    issueRoutes(api, options.services);
    ruleRoutes(api, options.services);
    templateRoutes(api, options.services);
  });

  return app;
}
