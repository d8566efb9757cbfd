// The Node.js side of instrumentation.ts: configuration checked at start-up, OpenTelemetry started
// when OTEL_EXPORTER_OTLP_ENDPOINT is set, and every server error logged as JSON and, when
// SENTRY_DSN is set, sent to Sentry.
import type { Instrumentation } from "next";
import { readWebConfig, sentrySettings, telemetrySettings } from "./config";
import { log } from "./log";
import { type ErrorReporter, createSentryReporter } from "@platform/runtime/sentry";
import type { Telemetry } from "./telemetry-node";

let reporter: ErrorReporter | undefined;
let telemetry: Telemetry | undefined;

export async function registerNode(): Promise<void> {
  const result = readWebConfig(process.env);
  if (!result.ok) {
    // A bad environment stops the server at start (and so fails the deploy); Next alone would
    // keep it running and answer every request with 500. In production server/main.ts has
    // checked already; this covers `next dev` and a server.js started without it.
    log("error", "invalid configuration", { problems: result.problems });
    process.exit(1);
  }
  const { config } = result;
  if (config.ORIGIN_LOCK_SECRETS.length === 0) {
    log(
      "warn",
      "origin lock off: every request is admitted (ORIGIN_LOCK_SECRETS is unset; production refuses to start without it)",
      { variable: "ORIGIN_LOCK_SECRETS" },
    );
  }
  const otel = telemetrySettings(config);
  if (otel !== undefined) {
    // Without an endpoint this import never happens: OpenTelemetry's SDK stays unloaded.
    const { startTelemetry } = await import("./telemetry-node");
    telemetry = await startTelemetry(otel, config.API_URL);
  }
  const sentry = sentrySettings(config);
  if (sentry !== undefined) {
    if (sentry.release === undefined) {
      log(
        "warn",
        "SENTRY_RELEASE is unset (and OTEL_RESOURCE_ATTRIBUTES has no service.version): error reports carry no release",
      );
    }
    reporter = createSentryReporter(sentry);
  }
}

type OnRequestError = Instrumentation.onRequestError;

export async function reportRequestError(
  ...[error, request, context]: Parameters<OnRequestError>
): Promise<void> {
  // React replaces errors from server components with a digest; it links the log line, the Sentry
  // event and what the browser shows. With telemetry on, the trace ids link them to the trace.
  const digest =
    typeof error === "object" && error !== null && "digest" in error ? String(error.digest) : "";
  const tags = {
    method: request.method,
    path: request.path,
    route: context.routePath,
    routeType: context.routeType,
    digest,
    ...telemetry?.currentIds(),
  };
  log("error", "request failed", { ...tags, err: error });
  if (reporter === undefined) return;
  reporter.capture(error, tags);
  await reporter.flush(2_000);
}
