import { afterAll, describe, expect, it } from 'vitest';
import {
  type Channel,
  type IntegrationRef,
  type OutboundMessage,
  PermanentDeliveryError,
  TransientDeliveryError,
} from './channel.js';
import { captureLogger, memoryState, testContext } from './channel-test-kit.js';

/** How a channel's peer answers the next send. `hang` accepts the request and never answers. */
export type PeerMode = 'ok' | 'permanent' | 'transient' | 'hang';

/** What a channel's test gives the shared suite: the channel, its peer's controls and its secrets. */
export interface ConformanceHarness<C> {
  readonly channel: Channel<C>;
  readonly integration?: IntegrationRef;
  /** A valid message for this channel. */
  message(): OutboundMessage<C>;
  /** A message over the provider's size limit, when the channel has one. */
  oversized?(): OutboundMessage<C>;
  /** Sets the peer's next answer; in `hang` mode the peer calls `onHang` once the request arrived. */
  setPeer(mode: PeerMode, onHang?: () => void): void;
  /** The `retryAfterMs` the transient answer must carry, when the peer sends Retry-After. */
  readonly transientRetryAfterMs?: number;
  /** Secret values that must never appear in a log line or an error. */
  readonly secrets: readonly string[];
}

/**
 * The suite every channel passes against its real peer: success, each error class, abort/timeout,
 * oversized content, and secrets kept out of logs and errors (as the queue would log them).
 */
export function channelConformance<C>(
  name: string,
  harness: () => ConformanceHarness<C>,
  /** `sizeLimit: false` for channels whose provider sets no size limit of its own (webhook, SMTP, …). */
  options: { readonly sizeLimit?: boolean } = {},
): void {
  describe(`${name} channel conformance`, () => {
    const captured = captureLogger();
    const errors: unknown[] = [];

    async function attempt(message: OutboundMessage<C>, signal?: AbortSignal): Promise<unknown> {
      const h = harness();
      const context = testContext({
        integration: h.integration,
        logger: captured.logger,
        state: memoryState(),
        signal,
      });
      try {
        const result = await h.channel.send(message, context);
        captured.logger.info({ result }, 'delivery sent');
        return result;
      } catch (err) {
        errors.push(err);
        captured.logger.error({ err }, 'delivery failed');
        return err;
      }
    }

    afterAll(() => harness().setPeer('ok'));

    it('resolves with the provider answer on success', async () => {
      harness().setPeer('ok');
      const result = await attempt(harness().message());
      expect(result).not.toBeInstanceOf(Error);
      expect(result).toBeTypeOf('object');
    });

    it('throws PermanentDeliveryError when the provider refuses for good', async () => {
      harness().setPeer('permanent');
      const err = await attempt(harness().message());
      expect(err).toBeInstanceOf(PermanentDeliveryError);
      expect((err as PermanentDeliveryError).code).toMatch(/\S/);
    });

    it('throws TransientDeliveryError when the provider may accept later', async () => {
      const h = harness();
      h.setPeer('transient');
      const err = await attempt(h.message());
      expect(err).toBeInstanceOf(TransientDeliveryError);
      if (h.transientRetryAfterMs !== undefined) {
        expect((err as TransientDeliveryError).retryAfterMs).toBe(h.transientRetryAfterMs);
      }
    });

    it('throws TransientDeliveryError when the send is aborted while the peer hangs', async () => {
      const controller = new AbortController();
      harness().setPeer('hang', () => controller.abort());
      const err = await attempt(harness().message(), controller.signal);
      expect(err).toBeInstanceOf(TransientDeliveryError);
    });

    if (options.sizeLimit !== false) {
      it('refuses oversized content permanently', async () => {
        const h = harness();
        expect(h.oversized, 'a channel with a size limit must give an oversized message').toBeDefined();
        h.setPeer('ok');
        const err = await attempt(h.oversized!());
        expect(err).toBeInstanceOf(PermanentDeliveryError);
        expect((err as PermanentDeliveryError).code).toBe('too_large');
      });
    }

    it('never lets a secret reach a log line or an error', () => {
      const h = harness();
      expect(errors.length).toBeGreaterThan(0);
      const logged = captured.text();
      const thrown = errors.map((e) =>
        e instanceof Error ? `${e.message} ${e.stack} ${String(e.cause)}` : '',
      );
      for (const secret of h.secrets) {
        expect(secret.length).toBeGreaterThan(6);
        expect(logged).not.toContain(secret);
        for (const text of thrown) expect(text).not.toContain(secret);
      }
    });
  });
}
