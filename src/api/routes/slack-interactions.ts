import type { Services } from '../../services.js';
import type { ApiApp } from '../server.js';

/** The header Slack puts one value in; a repeated header is not Slack's. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * `POST /api/v1/integrations/slack/interactions`: the Request URL of a Slack app's Interactivity. No
 * bearer token: Slack's signature over the body is the credential, so the form body is kept as the raw
 * string it arrived as (parsing and re-encoding it would change the bytes that were signed).
 */
export function slackInteractionRoutes(app: ApiApp, services: Services): void {
  app.register(async (scope: ApiApp) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, body),
    );

    scope.post(
      '/api/v1/integrations/slack/interactions',
      {
        schema: {
          tags: ['integrations'],
          summary:
            'Slack Interactivity Request URL: Resolve, Ignore and Assign to me pressed in a Slack message (signed by Slack, no bearer token)',
          security: [],
        },
      },
      async (request, reply) => {
        const answer = await services.slackInteractions.handle({
          rawBody: typeof request.body === 'string' ? request.body : '',
          timestamp: single(request.headers['x-slack-request-timestamp']),
          signature: single(request.headers['x-slack-signature']),
        });
        return answer.body === null ? reply.code(200).send() : reply.code(200).send(answer.body);
      },
    );
  });
}
