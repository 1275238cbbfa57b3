import { type Attributes, type Span, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Channel, ChannelKind } from '../delivery/channel.js';
import type { IngestResult, IngestService } from '../events/ingest.js';
import type { JobHandler } from '../queue/queue.js';
import type { HeraldMetrics } from './metrics.js';

/**
 * Runs `fn` in an active span of the `herald` tracer. Without a registered tracer provider the API hands
 * out no-op spans, so this costs next to nothing unless an operator installs an OpenTelemetry SDK.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('herald').startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : '' });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Ingest with a span per call and the count of stored events (a repeated event_id writes no job). */
export function instrumentedIngest(service: IngestService, metrics: HeraldMetrics): IngestService {
  const count = (results: readonly IngestResult[]) => {
    const stored = results.filter((r) => r.jobIds.length > 0).length;
    if (stored > 0) metrics.eventsIngested.inc(stored);
  };
  return {
    ...service,
    ingest: (target, payload) =>
      inSpan('herald.ingest', { 'herald.project_id': target.projectId }, async (span) => {
        const result = await service.ingest(target, payload);
        span.setAttributes({ 'herald.issue_id': result.issueId, 'herald.event_id': result.eventId });
        count([result]);
        return result;
      }),
    ingestBatch: (target, payloads) =>
      inSpan(
        'herald.ingest',
        { 'herald.project_id': target.projectId, 'herald.events': payloads.length },
        async () => {
          const results = await service.ingestBatch(target, payloads);
          count(results);
          return results;
        },
      ),
  };
}

/** A queue handler inside a span named `name`, carrying the job's id and payload ids. */
export function tracedHandler(name: string, handler: JobHandler): JobHandler {
  return (job) => {
    const attributes: Attributes = { 'herald.job_id': job.id, 'herald.job_attempts': job.attempts };
    for (const key of ['eventId', 'notificationId', 'deliveryId'] as const) {
      const value = job.payload[key];
      if (typeof value === 'string') attributes[`herald.${key}`] = value;
    }
    return inSpan(name, attributes, () => handler(job));
  };
}

/** The channels with a `herald.send` span around each send. */
export function tracedChannels(channels: ReadonlyMap<ChannelKind, Channel>): Map<ChannelKind, Channel> {
  const traced = new Map<ChannelKind, Channel>();
  for (const [kind, channel] of channels) {
    // Inherit from the channel so `close` and any optional capability stay reachable.
    const wrapper: Channel = Object.create(channel, {
      send: {
        value: (message: Parameters<Channel['send']>[0], context: Parameters<Channel['send']>[1]) =>
          inSpan(
            'herald.send',
            {
              'herald.channel': kind,
              'herald.delivery_id': message.deliveryId,
              'herald.notification_id': message.notificationId,
            },
            () => channel.send(message, context),
          ),
      },
    });
    traced.set(kind, wrapper);
  }
  return traced;
}
