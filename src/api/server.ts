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
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { NotFoundError } from '../errors.js';
import { newId } from '../ids.js';
import { lazyChildLogger, redactUrl } from '../logger.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Services } from '../services.js';
import type { Store } from '../store/store.js';
import { inputProblems, validationError, writtenCheckOf } from '../validation.js';
import { authenticate } from './auth.js';
import { errorHandler } from './errors.js';
import { idempotency } from './idempotency.js';
import { webhookDocs } from './openapi-webhooks.js';
import { requireRole } from './roles.js';
import { alertmanagerRoutes } from './routes/alertmanager.js';
import { alertmanagerSilenceRoutes } from './routes/alertmanager-silences.js';
import { alertmanagerStatusRoutes } from './routes/alertmanager-status.js';
import { analyticsRoutes } from './routes/analytics.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { digestRoutes } from './routes/digests.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { inboxRoutes } from './routes/inbox.js';
import { inboxStreamRoutes } from './routes/inbox-stream.js';
import { inhibitRuleRoutes } from './routes/inhibit-rules.js';
import { integrationTestRoutes } from './routes/integration-test.js';
import { integrationRoutes } from './routes/integrations.js';
import { issueRoutes } from './routes/issues.js';
import { memberRoutes } from './routes/members.js';
import { metricsRoutes } from './routes/metrics.js';
import { notificationSettingRoutes } from './routes/notification-settings.js';
import { notificationRoutes } from './routes/notifications.js';
import { organizationRoutes } from './routes/organizations.js';
import { ownershipRoutes } from './routes/ownership.js';
import { projectRoutes } from './routes/projects.js';
import { pushKeyRoutes, pushSubscriptionRoutes } from './routes/push.js';
import { releaseRoutes } from './routes/releases.js';
import { retryRoutes } from './routes/retries.js';
import { ruleRoutes } from './routes/rules.js';
import { sentryRoutes } from './routes/sentry.js';
import { signInRoutes } from './routes/sign-in.js';
import { silenceRoutes } from './routes/silences.js';
import { slackInteractionRoutes } from './routes/slack-interactions.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { teamRoutes } from './routes/teams.js';
import { templateRoutes } from './routes/templates.js';
import { throttleRoutes } from './routes/throttle.js';
import { trackingRoutes } from './routes/tracking.js';
import { unsubscribeRoutes } from './routes/unsubscribe.js';
import { userRoutes } from './routes/users.js';
import { staticWeb } from './static.js';

/** The Fastify instance with zod schemas as its type provider. */
export type ApiApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** One successful ingest answer in this many gets a request log line. */
const INGEST_LOG_SAMPLE = 100;

/**
 * Routes that check their body's storability themselves, item by item, taking the good items of a batch:
 * Alertmanager's alerts, from Prometheus and from an Alertmanager's webhook (neither sends a refused
 * batch again, so one alert with a NUL character must not cost the others).
 */
const BODY_CHECKED_BY_ROUTE: ReadonlySet<string> = new Set([
  '/api/v1/projects/:org/:project/alertmanager/api/v2/alerts',
  '/api/v1/projects/:org/:project/alertmanager/webhook',
]);

/** The routes that take events. */
const INGEST_ROUTES: ReadonlySet<string> = new Set([
  '/api/v1/projects/:org/:project/events',
  '/api/v1/projects/:org/:project/events/batch',
  '/api/:projectId/envelope',
  '/api/:projectId/envelope/',
  '/api/:projectId/store',
  '/api/:projectId/store/',
]);

/** What the HTTP API needs. */
export interface ApiOptions {
  readonly store: Store;
  readonly services: Services;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Seals the answers kept for `Idempotency-Key` replays, which may hold a token shown once. */
  readonly secrets: SecretBox;
  /** A Sentry SDK's transaction longer than this (ms) becomes a performance issue. */
  readonly slowTransactionMs: number;
  /** Largest accepted body in bytes. */
  readonly bodyLimit: number;
  readonly version: string;
  /** Whether Redis answers, for `/readyz`; absent when no Redis is configured. */
  readonly redisReady?: () => Promise<boolean>;
}

/** What a worker's operations listener needs (see {@link buildOperationsApi}). */
export type OperationsApiOptions = Pick<ApiOptions, 'store' | 'services' | 'logger' | 'clock' | 'redisReady'>;

/**
 * The routes a worker serves: `/healthz`, `/readyz` and `/metrics`, for probes and scrapes. Its
 * deliveries are counted in its own process, so only its own `/metrics` shows them.
 */
export async function buildOperationsApi(options: OperationsApiOptions): Promise<ApiApp> {
  // Probes and scrapes send no body.
  const app = baseApp(options.logger, 1024);
  healthRoutes(app, options.store, options.clock, options.redisReady);
  metricsRoutes(app, options.services);
  return app;
}

/** Builds the HTTP API: routes, validation, auth, idempotency, errors, OpenAPI. */
export async function buildApi(options: ApiOptions): Promise<ApiApp> {
  const app = baseApp(options.logger, options.bodyLimit);

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
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      // A DELETE without a declared answer answers 204; say so instead of the default 200.
      const schema = out.schema as { response?: unknown };
      if (input.route.method === 'DELETE' && schema.response === undefined)
        return {
          ...out,
          schema: { ...out.schema, response: { 204: { description: 'Done: no content', type: 'null' } } },
        };
      return out;
    },
    // The schemas routes name by id (`.meta({ id })`) go into `components.schemas`, where their
    // references point; and what Herald POSTs to webhooks goes under OpenAPI 3.1's own key for outbound
    // calls. The document is built on its first request, after every notification type is registered.
    transformObject: (document) => {
      const transformed = jsonSchemaTransformObject(document);
      return 'openapiObject' in document ? { ...transformed, webhooks: webhookDocs() } : transformed;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  healthRoutes(app, options.store, options.clock, options.redisReady);
  unsubscribeRoutes(app, options.services);
  signInRoutes(app, options.services);
  metricsRoutes(app, options.services);
  trackingRoutes(app, options.services);
  // Slack signs its callbacks: the signature, not a bearer token, admits them.
  slackInteractionRoutes(app, options.services);
  pushKeyRoutes(app, options.services);
  // EventSource cannot send headers: the stream authenticates itself (bearer or ?token=).
  inboxStreamRoutes(app, options.services);
  await app.register(
    sentryRoutes(options.services, options.bodyLimit, { slowTransactionMs: options.slowTransactionMs }),
  );
  // The dashboard's files at `/`; API paths keep their JSON 404s.
  staticWeb(app);

  const keys = idempotency(options.store.db, options.clock, options.secrets);
  await app.register(async (api: ApiApp) => {
    api.addHook('onRequest', authenticate(options.services.apiKeys));
    api.addHook('preHandler', requireRole(options.store.db));
    api.addHook('preHandler', keys.preHandler);
    api.addHook('onSend', keys.onSend);
    organizationRoutes(api, options.services);
    memberRoutes(api, options.services);
    teamRoutes(api, options.services);
    projectRoutes(api, options.services);
    integrationRoutes(api, options.services);
    integrationTestRoutes(api, options.services);
    apiKeyRoutes(api, options.services);
    userRoutes(api, options.services);
    notificationSettingRoutes(api, options.services);
    ownershipRoutes(api, options.services);
    releaseRoutes(api, options.services);
    subscriptionRoutes(api, options.services);
    notificationRoutes(api, options.services);
    analyticsRoutes(api, options.services);
    deliveryRoutes(api, options.services);
    eventRoutes(api, options.services);
    alertmanagerRoutes(api, options.services, { db: options.store.db, clock: options.clock });
    alertmanagerStatusRoutes(api, options.services, { clock: options.clock, version: options.version });
    issueRoutes(api, options.services);
    ruleRoutes(api, options.services);
    silenceRoutes(api, options.services);
    alertmanagerSilenceRoutes(api, options.services);
    inhibitRuleRoutes(api, options.services);
    templateRoutes(api, options.services);
    throttleRoutes(api, options.services, options.services.throttle);
    retryRoutes(api, options.services, options.services.throttle);
    digestRoutes(api, options.services, options.services.throttle);
    inboxRoutes(api, options.services);
    pushSubscriptionRoutes(api, options.services);
  });

  return app;
}

/**
 * A Fastify instance with what every listener of Herald shares: JSON errors, zod validation, request
 * ids and request log lines.
 */
function baseApp(logger: Logger, bodyLimit: number): ApiApp {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : newId('req');
    },
    logController: new LogController({ disableRequestLogging: true }),
    // A URL the router cannot read (a broken escape, a path parameter over its length) is answered
    // before any route is chosen: in the error shape too, not Fastify's own.
    frameworkErrors: (error, request, reply) => errorHandler(error, request, reply),
    childLoggerFactory: (parent, bindings, childOptions) =>
      lazyChildLogger(parent as Logger, bindings, childOptions) as FastifyBaseLogger,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler((route) => {
    const validate = validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
    const check = writtenCheckOf(route.schema);
    return check ? (data: unknown) => (check(data) ? { value: data } : validate(data)) : validate;
  });
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((_request, reply) => errorHandler(new NotFoundError('Route'), _request, reply));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Before any schema or handler reads the input: what no store can take is refused, naming where.
  app.addHook('preValidation', async (request) => {
    // The router and the query parser build their objects on prototypes of their own: copied into
    // plain ones, they are walked like a JSON body.
    const problems = [
      ...inputProblems({ ...(request.params as object) }, 'params'),
      ...inputProblems({ ...(request.query as object) }, 'query'),
      ...(request.method === 'POST' && BODY_CHECKED_BY_ROUTE.has(request.routeOptions.url ?? '')
        ? []
        : inputProblems(request.body)),
    ];
    if (problems.length > 0) throw validationError(problems);
  });
  let ingestAnswers = 0;
  app.addHook('onResponse', async (request, reply) => {
    // Events arrive thousands a second and the line would cost as much as storing one: of successful
    // ingest answers one in INGEST_LOG_SAMPLE is logged (marked `sampled`); failures and other routes always.
    const sampled = reply.statusCode < 400 && INGEST_ROUTES.has(request.routeOptions.url ?? '');
    if (sampled && ++ingestAnswers % INGEST_LOG_SAMPLE !== 0) return;
    request.log.info(
      {
        method: request.method,
        url: redactUrl(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        ...(sampled ? { sampled: INGEST_LOG_SAMPLE } : {}),
      },
      'request',
    );
  });

  return app;
}
