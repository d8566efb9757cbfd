// OpenTelemetry's core for every service: the resource, OTLP/HTTP exporters of the configured
// protocol, a tracer and a meter provider registered globally with W3C trace context, delivery at
// shutdown, and the SDK's own trouble routed into the JSON log. Each service adds what is its own:
// instrumentations, samplers, span processors. A service imports this module only when an endpoint
// is configured: without one, none of OpenTelemetry is loaded.
import { hostname } from "node:os";
import {
  context,
  diag,
  DiagLogLevel,
  metrics,
  propagation,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { type Instrumentation, registerInstrumentations } from "@opentelemetry/instrumentation";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  type Sampler,
  type Span,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { SPAN_OPERATIONS } from "./contract.ts";
import type { TelemetrySettings } from "./env.ts";

export interface TelemetryCore {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
  /** trace_id and span_id of the span in flight, for log lines and error reports. */
  currentIds(): { trace_id: string; span_id: string } | undefined;
  /** Exports what is still buffered and stops, within `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** Where telemetry's own lines go: the service's JSON log. */
export interface TelemetryLog {
  info(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

/** A pino logger as a TelemetryLog. */
export function pinoLog(logger: {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}): TelemetryLog {
  return {
    info: (message, fields) => {
      logger.info(fields, message);
    },
    warn: (message, fields) => {
      logger.warn(fields, message);
    },
  };
}

export interface TelemetryOptions {
  /**
   * Where the start is announced (endpoint, protocol, header names: never their values) and the
   * SDK's warnings and errors go (a message and the errors' texts, never its arguments).
   */
  log: TelemetryLog;
  /** The service's instrumentations, registered with both providers. @default none */
  instrumentations?: Instrumentation[];
  /** @default the SDK's (every trace sampled) */
  sampler?: Sampler;
  /** Span processors beside the exporting one, given the meter provider. @default none */
  spanProcessors?: (meterProvider: MeterProvider) => SpanProcessor[];
}

export async function startTelemetryCore(
  settings: TelemetrySettings,
  options: TelemetryOptions,
): Promise<TelemetryCore> {
  routeDiagnostics(options.log);
  const resource = defaultResource().merge(
    resourceFromAttributes({ "service.instance.id": hostname(), ...settings.resource }),
  );
  const { spanExporter, metricExporter } = await createExporters(settings);
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: metricExporter,
        exportIntervalMillis: settings.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(settings.metricExportIntervalMs, 30_000),
      }),
    ],
  });
  const tracerProvider = new TracerProvider({
    resource,
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: spanExporter }),
      ...(options.spanProcessors?.(meterProvider) ?? []),
    ],
  });
  // SDK 3 leaves registration to the application: context, propagation (W3C traceparent, which the
  // services pass on to each other), and the providers the instrumentations find.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  registerInstrumentations({
    tracerProvider,
    meterProvider,
    instrumentations: options.instrumentations ?? [],
  });
  options.log.info("exporting traces and metrics over OTLP", {
    endpoint: settings.endpoint,
    protocol: settings.protocol,
    serviceName: settings.resource["service.name"],
    // Names only: the values hold the backend's API key.
    headers: Object.keys(settings.headers),
  });
  return {
    tracerProvider,
    meterProvider,
    currentIds() {
      const span = trace.getSpan(context.active());
      if (span === undefined) return undefined;
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
    async shutdown(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

/**
 * Gives every server span the `operation.name` of the contract (@platform/runtime/contract),
 * which Datadog names a span's trace metrics after before any of its naming schemes
 * (datadog-agent pkg/trace/traceutil/otel_util.go, GetOTelOperationNameV1 and V2): the stack's
 * monitors query trace.http.server.request.*, whatever framework started the span. Other backends
 * keep it as a plain attribute.
 */
export class ServerOperationName implements SpanProcessor {
  onStart(span: Span): void {
    if (span.kind === SpanKind.SERVER) {
      span.setAttribute("operation.name", SPAN_OPERATIONS.httpServer);
    }
  }

  onEnd(): void {
    // Named at start, so every exporter sees it.
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The exporters of the configured protocol; only that protocol's packages are loaded. Payloads are
 * gzip-compressed: the OpenTelemetry Collector's own OTLP/HTTP exporter compresses by default and
 * both backends document that exporter as a way in. Metrics go out with delta temporality for
 * counters and histograms, cumulative for up-down counters ("low memory"): Datadog asks for delta
 * (https://docs.datadoghq.com/opentelemetry/guide/otlp_delta_temporality/), and New Relic takes
 * delta counters and histograms but no non-monotonic delta sums
 * (https://docs.newrelic.com/docs/more-integrations/open-source-telemetry-integrations/opentelemetry/best-practices/opentelemetry-best-practices-metrics/).
 */
async function createExporters(
  settings: TelemetrySettings,
): Promise<{ spanExporter: SpanExporter; metricExporter: PushMetricExporter }> {
  const common = {
    headers: { ...settings.headers },
    compression: CompressionAlgorithm.GZIP,
    timeoutMillis: 10_000,
  };
  const traces = { ...common, url: `${settings.endpoint}/v1/traces` };
  const metricOptions = {
    ...common,
    url: `${settings.endpoint}/v1/metrics`,
    temporalityPreference: AggregationTemporalityPreference.LOWMEMORY,
  };
  if (settings.protocol === "http/json") {
    const [{ OTLPTraceExporter }, { OTLPMetricExporter }] = await Promise.all([
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/exporter-metrics-otlp-http"),
    ]);
    return {
      spanExporter: new OTLPTraceExporter(traces),
      metricExporter: new OTLPMetricExporter(metricOptions),
    };
  }
  const [{ OTLPTraceExporter }, { OTLPMetricExporter }] = await Promise.all([
    import("@opentelemetry/exporter-trace-otlp-proto"),
    import("@opentelemetry/exporter-metrics-otlp-proto"),
  ]);
  return {
    spanExporter: new OTLPTraceExporter(traces),
    metricExporter: new OTLPMetricExporter(metricOptions),
  };
}

/**
 * OpenTelemetry reports its own trouble (an export the backend refused, a queue that overflowed)
 * through `diag`, silent unless a logger is set: route warnings and errors into the JSON log.
 * Only messages and error texts are passed on, never the arguments whole (they can hold the
 * exporter's configuration, headers included).
 */
function routeDiagnostics(log: TelemetryLog): void {
  const write = (message: string, args: unknown[]) => {
    const errors = args.filter((arg) => arg instanceof Error).map((error) => error.message);
    log.warn(message, { component: "opentelemetry", ...(errors.length === 0 ? {} : { errors }) });
  };
  diag.setLogger(
    {
      error: (message, ...args) => {
        write(message, args);
      },
      warn: (message, ...args) => {
        write(message, args);
      },
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}
