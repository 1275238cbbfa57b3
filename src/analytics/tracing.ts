import {
  type Attributes,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  type Span,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Channel, ChannelKind } from '../delivery/channel.js';
import type { IngestResult, IngestService } from '../events/ingest.js';
import type { Job, JobHandler } from '../queue/queue.js';
import type { HeraldMetrics } from './metrics.js';

/** What the API's provider hands out while no SDK is registered (it makes no-op spans). */
const NO_SDK = new ProxyTracerProvider().getDelegate();
/** The span given to `fn` while nothing records spans. */
const NOT_RECORDING = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Whether an OpenTelemetry SDK registered a tracer provider (now or since the last call). */
function recording(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider && provider.getDelegate() === NO_SDK);
}

/**
 * Runs `fn` in an active span of the `herald` tracer, with the attributes `attributes` gives. Without a
 * registered tracer provider (no OpenTelemetry SDK installed by the operator), `fn` runs at once with a
 * span that records nothing: the API's no-op path still made a tracer, a span, a context and an
 * attributes object per call, four or five calls an event (some 5 KB of garbage an event at 1,000
 * events/s).
 */
export function inSpan<T>(
  name: string,
  attributes: () => Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!recording()) {
    try {
      return fn(NOT_RECORDING);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return trace.getTracer('herald').startActiveSpan(name, { attributes: attributes() }, async (span) => {
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
  const batch = (
    target: Parameters<IngestService['ingestBatch']>[0],
    payloads: readonly unknown[],
    ingest: () => Promise<IngestResult[]>,
  ) =>
    inSpan(
      'herald.ingest',
      () => ({ 'herald.project_id': target.projectId, 'herald.events': payloads.length }),
      async () => {
        const results = await ingest();
        count(results);
        return results;
      },
    );
  return {
    ...service,
    ingest: (target, payload) =>
      inSpan(
        'herald.ingest',
        () => ({ 'herald.project_id': target.projectId }),
        async (span) => {
          const result = await service.ingest(target, payload);
          span.setAttributes({ 'herald.issue_id': result.issueId, 'herald.event_id': result.eventId });
          count([result]);
          return result;
        },
      ),
    ingestBatch: (target, payloads) => batch(target, payloads, () => service.ingestBatch(target, payloads)),
    ingestAlerts: (target, payloads, alongside) =>
      batch(target, payloads, () => service.ingestAlerts(target, payloads, alongside)),
  };
}

/** A queue handler inside a span named `name`, carrying the job's id and payload ids. */
export function tracedHandler(name: string, handler: JobHandler): JobHandler {
  const attributesOf = (job: Job) => {
    const attributes: Attributes = { 'herald.job_id': job.id, 'herald.job_attempts': job.attempts };
    for (const key of ['eventId', 'notificationId', 'deliveryId'] as const) {
      const value = job.payload[key];
      if (typeof value === 'string') attributes[`herald.${key}`] = value;
    }
    return attributes;
  };
  return (job) =>
    inSpan(
      name,
      () => attributesOf(job),
      () => handler(job),
    );
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
            () => ({
              'herald.channel': kind,
              'herald.delivery_id': message.deliveryId,
              'herald.notification_id': message.notificationId,
            }),
            () => channel.send(message, context),
          ),
      },
    });
    traced.set(kind, wrapper);
  }
  return traced;
}
