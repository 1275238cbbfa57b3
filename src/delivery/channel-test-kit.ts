import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import type { ChannelState, DeliveryContext, IntegrationRef, OutboundMessage } from './channel.js';

/** A pino logger that writes every line, at every level, into memory so tests can search the output. */
export interface CapturedLogger {
  readonly logger: Logger;
  /** Everything logged so far. */
  text(): string;
}

/** Creates a {@link CapturedLogger}. */
export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join('') };
}

/** Channel state held in a Map, as the queue's store would hold it. */
export function memoryState(): ChannelState & { readonly entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: async (key) => entries.get(key),
    set: async (key, value) => {
      entries.set(key, value);
    },
  };
}

/** Parts of a delivery context a test wants to choose. */
export interface TestContextOptions {
  readonly integration?: IntegrationRef;
  readonly logger?: Logger;
  readonly state?: ChannelState;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
}

/** A delivery context for tests: silent logger, memory state, wall clock, a signal that never fires. */
export function testContext(options: TestContextOptions = {}): DeliveryContext {
  return {
    integration: options.integration,
    logger: options.logger ?? pino({ level: 'silent' }),
    state: options.state ?? memoryState(),
    signal: options.signal ?? new AbortController().signal,
    clock: options.clock ?? systemClock,
  };
}

/** An integration for tests. */
export function testIntegration(
  provider: string,
  config: Record<string, unknown>,
  secrets: Record<string, string>,
): IntegrationRef {
  return { id: `int_${provider}`, orgId: 'org_test', provider, name: `${provider} test`, config, secrets };
}

let counter = 0;

/** A message with fresh ids around `content`. */
export function testMessage<C>(content: C, recipient?: OutboundMessage<C>['recipient']): OutboundMessage<C> {
  counter += 1;
  return {
    deliveryId: `dlv_${counter}`,
    notificationId: `ntf_${counter}`,
    type: 'issue_alert',
    recipient: recipient ?? { type: 'channel', id: 'alerts' },
    content,
    idempotencyKey: `msg_test_${counter}`,
  };
}

/** A local HTTP(S) peer on an ephemeral loopback port. */
export interface TestPeer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Stops listening and drops open connections (hanging requests included). */
  close(): Promise<void>;
}

/** Handles one request whose body has been read in full. */
export type PeerHandler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void | Promise<void>;

/** Starts a peer on 127.0.0.1 port 0; with `tls` it speaks HTTPS. */
export async function startHttpPeer(
  handler: PeerHandler,
  tls?: { readonly key: string | Buffer; readonly cert: string | Buffer },
): Promise<TestPeer> {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      Promise.resolve(handler(req, Buffer.concat(chunks), res)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
