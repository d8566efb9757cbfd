// OpenTelemetry for the processor: a span per job run (`job.run`, the contract's operation name,
// with its kind and attempt), its PostgreSQL queries as child spans, and the core's exporters
// (@platform/runtime/telemetry). main.ts imports this module only when an endpoint is configured,
// and before pg: the pg instrumentation patches it as it is first required.
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { SPAN_OPERATIONS } from "@platform/runtime/contract";
import type { TelemetrySettings } from "@platform/runtime/env";
import { pinoLog, startTelemetryCore } from "@platform/runtime/telemetry";
import type { Logger } from "pino";
import type { JobTracer } from "./worker.ts";

export interface Telemetry {
  tracer: JobTracer;
  shutdown(timeoutMs: number): Promise<void>;
}

export async function startTelemetry(
  settings: TelemetrySettings,
  logger: Logger,
): Promise<Telemetry> {
  const core = await startTelemetryCore(settings, {
    log: pinoLog(logger),
    // Only the queries a job runs: the claims every second would each be a trace of their own.
    instrumentations: [new PgInstrumentation({ requireParentSpan: true })],
  });
  const tracer = trace.getTracer("platform-processor");
  return {
    tracer: (job, run) =>
      tracer.startActiveSpan(
        `${SPAN_OPERATIONS.jobRun} ${job.kind}`,
        {
          attributes: {
            "operation.name": SPAN_OPERATIONS.jobRun,
            "job.id": job.id,
            "job.kind": job.kind,
            "job.attempt": job.attempt,
          },
        },
        async (span) => {
          try {
            return await run();
          } catch (error) {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: SpanStatusCode.ERROR });
            throw error;
          } finally {
            span.end();
          }
        },
      ),
    shutdown: (timeoutMs) => core.shutdown(timeoutMs),
  };
}
