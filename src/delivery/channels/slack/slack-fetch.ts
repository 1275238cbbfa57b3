import type { FetchFunction, Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';
import type { HttpClient } from '../../http-client.js';

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
