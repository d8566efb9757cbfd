// The Node.js side of instrumentation.ts: configuration checked at start-up, and every server
// error logged as JSON and, when SENTRY_DSN is set, sent to Sentry.
import type { Instrumentation } from "next";
import { webConfig } from "./config";
import { log } from "./log";
import { type ErrorReporter, createSentryReporter } from "./sentry";

let reporter: ErrorReporter | undefined;

export function registerNode(): void {
  let config: ReturnType<typeof webConfig>;
  try {
    config = webConfig();
  } catch (error) {
    // A bad environment stops the server at start (and so fails the deploy); Next alone would
    // keep it running and answer every request with 500.
    log("error", "invalid configuration", { err: error });
    process.exit(1);
  }
  if (config.SENTRY_DSN !== undefined) {
    reporter = createSentryReporter({
      dsn: config.SENTRY_DSN,
      environment: config.SENTRY_ENVIRONMENT,
      release: config.SENTRY_RELEASE,
    });
  }
}

type OnRequestError = Instrumentation.onRequestError;

export async function reportRequestError(
  ...[error, request, context]: Parameters<OnRequestError>
): Promise<void> {
  // React replaces errors from server components with a digest; it links the log line, the Sentry
  // event and what the browser shows.
  const digest =
    typeof error === "object" && error !== null && "digest" in error ? String(error.digest) : "";
  const tags = {
    method: request.method,
    path: request.path,
    route: context.routePath,
    routeType: context.routeType,
    digest,
  };
  log("error", "request failed", { ...tags, err: error });
  if (reporter === undefined) return;
  reporter.capture(error, tags);
  await reporter.flush(2_000);
}
