import slack, { type FetchFunction, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';
import type { HttpClient } from '../../http-client.js';

const { WebClient } = slack;

/** The official Slack client as Herald uses it. */
export type SlackClient = InstanceType<typeof WebClient>;

/**
 * A Slack client for one call or send: through Herald's HTTP client, stopped by `signal`, with no
 * waiting and retrying of its own (a delivery retries on the queue's backoff; a callback cannot wait).
 */
export function slackWebClient(options: {
  readonly token: string;
  /** The integration's `config.slackApiUrl`, for tests; default Slack's. */
  readonly slackApiUrl?: string | undefined;
  readonly http: HttpClient;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}): SlackClient {
  return new WebClient(options.token, {
    slackApiUrl: options.slackApiUrl?.replace(/\/?$/, '/'),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    fetch: slackFetch(options.http, options.signal),
    logger: slackLogger(options.logger),
  });
}

/**
 * A `fetch` for the Slack client that goes through Herald's HTTP client, so Slack calls share its
 * keep-alive agents, SSRF guard and timeout, and stop when the delivery's signal aborts.
 */
export function slackFetch(http: HttpClient, signal: AbortSignal): FetchFunction {
  return async (url, init) => {
    if (init?.body !== undefined && typeof init.body !== 'string') {
      throw new TypeError('Multipart Slack calls are not used by Herald');
    }
    const response = await http.request({
      url,
      method: init?.method ?? 'POST',
      headers: init?.headers,
      body: init?.body,
      signal: init?.signal ? AbortSignal.any([signal, init.signal]) : signal,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value])
        headers.append(name, v);
    }
    return new Response(new Uint8Array(response.body), { status: response.status, headers });
  };
}

/**
 * The Slack client's logger, narrowed: its debug and info lines carry message bodies, so only warnings
 * and errors are passed on (Slack redacts tokens there).
 */
export function slackLogger(logger: Logger): SlackLogger {
  let level = 'warn';
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (...msg: unknown[]) => logger.warn({ slack: msg.map(String).join(' ') }, 'slack client warning'),
    error: (...msg: unknown[]) => logger.warn({ slack: msg.map(String).join(' ') }, 'slack client error'),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level as ReturnType<SlackLogger['getLevel']>,
    setName: () => undefined,
  };
}
