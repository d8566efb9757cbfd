// OpenTelemetry for the web server. Next.js traces itself once a tracer provider is registered: a
// server span per request named after its route (`GET /`), rendering, and a client span per
// `fetch`. This module registers that provider and adds what Next does not do:
// - the W3C `traceparent` on the calls to the api (undici's instrumentation, under Next's fetch
//   span), so the api's server span joins the web's trace; the calls to the api only, so no trace
//   context leaks to any other host;
// - metrics: request durations of the web's own routes, derived from Next's server spans, and of
//   its calls to the api;
// - delivery at shutdown (Next's SIGTERM handling exits without a hook for it).
// lib/instrumentation-node.ts imports this module only when OTEL_EXPORTER_OTLP_ENDPOINT is set: it
// becomes a chunk of its own, never loaded otherwise.
import { hostname } from "node:os";
import {
  type Attributes,
  context,
  diag,
  DiagLogLevel,
  type Histogram,
  metrics,
  propagation,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { hrTimeToMilliseconds, W3CTraceContextPropagator } from "@opentelemetry/core";
import { AggregationTemporalityPreference } from "@opentelemetry/exporter-metrics-otlp-http";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { TelemetrySettings } from "./config";
import { log } from "./log";

export interface Telemetry {
  /** trace_id and span_id of the span in flight, for error reports. */
  currentIds(): { trace_id: string; span_id: string } | undefined;
  /** Exports what is still buffered and stops, within `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<void>;
}

/** How long the exit at SIGTERM waits for the last spans and metrics. */
const FLUSH_TIMEOUT_MS = 2_000;

export async function startTelemetry(
  settings: TelemetrySettings,
  apiUrl: string,
): Promise<Telemetry> {
  routeDiagnostics();

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
    sampler: new ParentBasedSampler({ root: REQUESTS_ONLY }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: spanExporter }),
      new ServerDurationProcessor(meterProvider.getMeter("platform-web")),
    ],
  });

  // SDK 3 leaves registration to the application: Next's tracer and the undici instrumentation
  // find the providers, the context manager and the propagator through the global API.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  const apiOrigin = new URL(apiUrl).origin;
  const undici = new UndiciInstrumentation({
    // Only inside a request of the web's (never a trace of its own), and only towards the api.
    requireParentforSpans: true,
    ignoreRequestHook: (request) => request.origin !== apiOrigin,
  });
  undici.setTracerProvider(tracerProvider);
  undici.setMeterProvider(meterProvider);
  undici.enable();

  const shutdown = async (timeoutMs: number) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  };
  flushBeforeExit(shutdown);

  log("info", "exporting traces and metrics over OTLP", {
    endpoint: settings.endpoint,
    protocol: settings.protocol,
    serviceName: settings.resource["service.name"],
    // Names only: the values hold the backend's API key.
    headers: Object.keys(settings.headers),
  });

  return {
    currentIds() {
      const span = trace.getSpan(context.active());
      if (span === undefined) return undefined;
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
    shutdown,
  };
}

/**
 * Traces are requests. Next also traces its own start-up and the loading of route modules outside
 * any request, each a trace of its own: a span without a parent starts a trace only when it is a
 * request's server span. Spans with a parent follow their parent's decision (ParentBasedSampler).
 */
const REQUESTS_ONLY: Sampler = {
  shouldSample: (_context, _traceId, _name, kind) => ({
    decision:
      kind === SpanKind.SERVER ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
  }),
  toString: () => "RequestsOnly",
};

/**
 * `http.server.request.duration` for the web's own routes, from the server spans Next ends: Next
 * names them and records route and status, so no second HTTP instrumentation has to patch its
 * server. Next runs a request through its handler twice when proxy.ts (middleware) lets it
 * continue; only the pass that knows the route is counted.
 */
class ServerDurationProcessor implements SpanProcessor {
  private readonly duration: Histogram;

  constructor(meter: ReturnType<MeterProvider["getMeter"]>) {
    this.duration = meter.createHistogram("http.server.request.duration", {
      unit: "s",
      description: "Duration of HTTP server requests.",
      // The stable HTTP semantic conventions' buckets, in seconds.
      advice: {
        explicitBucketBoundaries: [
          0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
        ],
      },
    });
  }

  onStart(): void {
    // Everything is known only when the span ends.
  }

  onEnd(span: ReadableSpan): void {
    if (span.kind !== SpanKind.SERVER) return;
    const route = span.attributes["http.route"];
    if (typeof route !== "string") return;
    const attributes: Attributes = {
      "http.request.method": span.attributes["http.method"],
      "http.route": route,
      "http.response.status_code": span.attributes["http.status_code"],
    };
    this.duration.record(hrTimeToMilliseconds(span.duration) / 1_000, attributes);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Next's standalone server answers SIGTERM by closing its listener, finishing the requests in
 * flight and calling process.exit, with no hook in between. At that signal, process.exit is
 * wrapped so the spans of those last requests are exported before the process ends.
 */
function flushBeforeExit(shutdown: (timeoutMs: number) => Promise<void>): void {
  const onSignal = () => {
    const exit = process.exit.bind(process);
    process.exit = ((code?: number | string | null) => {
      void shutdown(FLUSH_TIMEOUT_MS).finally(() => exit(code));
    }) as typeof process.exit;
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}

/**
 * The exporters of the configured protocol, gzip-compressed, metrics with delta temporality for
 * counters and histograms and cumulative for up-down counters, for the reasons given in
 * services/api/src/telemetry.ts (Datadog wants delta; New Relic refuses non-monotonic delta sums).
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
 * OpenTelemetry reports its own trouble (an export the backend refused) through `diag`, silent
 * unless a logger is set: warnings and errors go to the JSON log, messages and error texts only
 * (the arguments can hold the exporter's configuration, headers included).
 */
function routeDiagnostics(): void {
  const write = (message: string, args: unknown[]) => {
    const errors = args.filter((arg) => arg instanceof Error).map((error) => error.message);
    log(
      "warn",
      message,
      errors.length === 0
        ? { component: "opentelemetry" }
        : {
            component: "opentelemetry",
            errors,
          },
    );
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
