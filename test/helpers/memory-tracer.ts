import {
  type Attributes,
  type AttributeValue,
  type Span,
  type SpanContext,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';

/** A finished span as the in-memory tracer keeps it. */
export interface RecordedSpan {
  readonly name: string;
  readonly attributes: Attributes;
  readonly status: SpanStatus | null;
  readonly ended: boolean;
}

/**
 * A tracer provider that keeps spans in memory, registered through the OpenTelemetry API: what an SDK
 * would receive, without an SDK. The global provider can be set once per process (one test file).
 */
export function registerMemoryTracer(): { readonly spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const makeSpan = (name: string, attributes: Attributes): Span => {
    const record = { name, attributes: { ...attributes }, status: null as SpanStatus | null, ended: false };
    spans.push(record);
    const context: SpanContext = { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 };
    const span = {
      spanContext: () => context,
      setAttribute(key: string, value: AttributeValue) {
        record.attributes[key] = value;
        return span;
      },
      setAttributes(values: Attributes) {
        Object.assign(record.attributes, values);
        return span;
      },
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus(status: SpanStatus) {
        record.status = status;
        return span;
      },
      updateName: () => span,
      end() {
        record.ended = true;
      },
      isRecording: () => !record.ended,
      recordException: () => undefined,
    };
    return span as unknown as Span;
  };
  const tracer = {
    startSpan: (name: string, options?: { attributes?: Attributes }) =>
      makeSpan(name, options?.attributes ?? {}),
    startActiveSpan(name: string, ...rest: unknown[]) {
      const fn = rest.at(-1) as (span: Span) => unknown;
      const options = (rest.length > 1 ? rest[0] : {}) as { attributes?: Attributes };
      return fn(makeSpan(name, options.attributes ?? {}));
    },
  } as unknown as Tracer;
  const provider: TracerProvider = { getTracer: () => tracer };
  if (!trace.setGlobalTracerProvider(provider)) throw new Error('a global tracer provider was already set');
  return { spans };
}
