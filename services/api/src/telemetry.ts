// OpenTelemetry for the api: one server span per request, named after its route (`GET /items/:id`),
// the PostgreSQL queries it runs as child spans, and request and query duration metrics, exported
// over OTLP/HTTP to the backend OTEL_EXPORTER_OTLP_ENDPOINT names (New Relic or Datadog on the
// platform). The core (exporters, providers, propagation) is @platform/runtime/telemetry's.
//
// server.ts imports this module only when an endpoint is configured, and before it imports fastify
// and pg: the instrumentations patch `node:http` and `pg` as they are first required (fastify and
// pg are CommonJS, so require-in-the-middle sees them even from ESM; no loader hook is needed).
// Without an endpoint nothing of OpenTelemetry is loaded: no SDK, no patched module, no timer.
import { context } from "@opentelemetry/api";
import { getRPCMetadata, RPCType } from "@opentelemetry/core";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { SPAN_OPERATIONS } from "@platform/runtime/contract";
import type { TelemetrySettings } from "@platform/runtime/env";
import { pinoLog, startTelemetryCore } from "@platform/runtime/telemetry";
import type { Logger } from "pino";
import type { RequestTracing } from "./app.ts";

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
  const core = await startTelemetryCore(settings, {
    log: pinoLog(logger),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => PROBES.has((request.url ?? "").split("?")[0] ?? ""),
        // The contract's operation name, which the stack's monitors query (ServerOperationName in
        // @platform/runtime/telemetry explains Datadog's naming).
        startIncomingSpanHook: () => ({ "operation.name": SPAN_OPERATIONS.httpServer }),
        // The api calls nothing over node:http but the exporters themselves.
        disableOutgoingRequestInstrumentation: true,
      }),
      // Queries outside a request (migrations, the pool's own work) would each start a trace of
      // their own; only those a request runs are worth one. Parameters are never recorded.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
    ],
  });

  return {
    nameRoute(route) {
      // The HTTP instrumentation names its server span `METHOD route` and puts http.route on the
      // span and the request-duration metric once a framework has told it the route this way.
      const metadata = getRPCMetadata(context.active());
      if (metadata?.type === RPCType.HTTP) metadata.route = route;
    },
    currentIds: () => core.currentIds(),
    shutdown: (timeoutMs) => core.shutdown(timeoutMs),
  };
}
