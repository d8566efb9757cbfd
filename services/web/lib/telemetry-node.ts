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
import { type Attributes, type Histogram, type MeterProvider, SpanKind } from "@opentelemetry/api";
import { hrTimeToMilliseconds } from "@opentelemetry/core";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import {
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import { ServerOperationName, startTelemetryCore } from "@platform/runtime/telemetry";
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
  const core = await startTelemetryCore(settings, {
    log: {
      info: (message, fields) => {
        log("info", message, fields);
      },
      warn: (message, fields) => {
        log("warn", message, fields);
      },
    },
    sampler: new ParentBasedSampler({ root: REQUESTS_ONLY }),
    spanProcessors: (meterProvider) => [
      // Next names its server spans itself; the contract's operation name makes the stack's
      // monitors find them as they find the api's.
      new ServerOperationName(),
      new ServerDurationProcessor(meterProvider.getMeter("platform-web")),
    ],
  });

  const apiOrigin = new URL(apiUrl).origin;
  const undici = new UndiciInstrumentation({
    // Only inside a request of the web's (never a trace of its own), and only towards the api.
    requireParentforSpans: true,
    ignoreRequestHook: (request) => request.origin !== apiOrigin,
  });
  undici.setTracerProvider(core.tracerProvider);
  undici.setMeterProvider(core.meterProvider);
  undici.enable();

  const shutdown = (timeoutMs: number) => core.shutdown(timeoutMs);
  flushBeforeExit(shutdown);

  return { currentIds: () => core.currentIds(), shutdown };
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
