// OpenTelemetry for the api: one server span per request, named after its route (`GET /items/:id`),
// the PostgreSQL queries it runs as child spans, and request and query duration metrics, exported
// over OTLP/HTTP to the backend OTEL_EXPORTER_OTLP_ENDPOINT names (New Relic or Datadog on the
// platform).
//
// server.ts imports this module only when an endpoint is configured, and before it imports fastify
// and pg: the instrumentations patch `node:http` and `pg` as they are first required (fastify and
// pg are CommonJS, so require-in-the-middle sees them even from ESM; no loader hook is needed).
// Without an endpoint nothing of OpenTelemetry is loaded: no SDK, no patched module, no timer.
import { hostname } from "node:os";
import { context, diag, DiagLogLevel, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { getRPCMetadata, RPCType, W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Logger } from "pino";
import type { RequestTracing } from "./app.ts";
import type { TelemetrySettings } from "./config.ts";

export interface Telemetry extends RequestTracing {
  /** Exports what is still buffered and stops, within `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** Load balancer and App Platform probes: every few seconds, and nothing worth a trace. */
const PROBES = new Set(["/healthz", "/readyz"]);

export async function startTelemetry(
  settings: TelemetrySettings,
  logger: Logger,
): Promise<Telemetry> {
  routeDiagnostics(logger.child({ component: "opentelemetry" }));

  const resource = defaultResource().merge(
    resourceFromAttributes({ "service.instance.id": hostname(), ...settings.resource }),
  );
  const { spanExporter, metricExporter } = await createExporters(settings);

  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter })],
  });
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

  // SDK 3 leaves registration to the application: context, propagation (W3C traceparent, which the
  // web sends), and the providers the instrumentations and `trace.getTracer` find.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  registerInstrumentations({
    tracerProvider,
    meterProvider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => PROBES.has((request.url ?? "").split("?")[0] ?? ""),
        // Datadog names a span's trace metrics after its operation, which it reads from this
        // attribute before any of its naming schemes (datadog-agent pkg/trace/traceutil/
        // otel_util.go, GetOTelOperationNameV1 and V2): the stack's monitors query
        // trace.http.server.request.*, whatever the intake's span-name mapping. Other backends
        // keep it as a plain attribute.
        startIncomingSpanHook: () => ({ "operation.name": "http.server.request" }),
        // The api calls nothing over node:http but the exporters themselves.
        disableOutgoingRequestInstrumentation: true,
      }),
      // Queries outside a request (migrations, the pool's own work) would each start a trace of
      // their own; only those a request runs are worth one. Parameters are never recorded.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });

  logger.info(
    {
      endpoint: settings.endpoint,
      protocol: settings.protocol,
      serviceName: settings.resource["service.name"],
      // Names only: the values hold the backend's API key.
      headers: Object.keys(settings.headers),
    },
    "exporting traces and metrics over OTLP",
  );

  return {
    nameRoute(route) {
      // The HTTP instrumentation names its server span `METHOD route` and puts http.route on the
      // span and the request-duration metric once a framework has told it the route this way.
      const metadata = getRPCMetadata(context.active());
      if (metadata?.type === RPCType.HTTP) metadata.route = route;
    },
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
 * Only messages and error texts are logged, never the arguments whole (they can hold the
 * exporter's configuration, headers included).
 */
function routeDiagnostics(logger: Logger): void {
  const write = (message: string, args: unknown[]) => {
    const errors = args.filter((arg) => arg instanceof Error).map((error) => error.message);
    logger.warn(errors.length === 0 ? {} : { errors }, message);
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
