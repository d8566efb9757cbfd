// Error reporting to Sentry, built on @sentry/core's server client rather than @sentry/node or
// @sentry/nextjs: those pull in their own OpenTelemetry setup and bundler tooling (about 80 MB of
// production dependencies) to trace into Sentry, while the services' traces go to the platform's
// OpenTelemetry backend (telemetry.ts) and Sentry gets errors: stack traces, request ids,
// environment, release and the trace's ids. The client sends envelopes with the platform's fetch.
import { hostname } from "node:os";
import {
  Scope,
  createStackParser,
  createTransport,
  dedupeIntegration,
  linkedErrorsIntegration,
} from "@sentry/core";
import { ServerRuntimeClient, nodeStackLineParser } from "@sentry/core/server";

export interface ErrorReporter {
  /** Sends `error` with `tags` (request id, route, ...) in the background. */
  capture(error: unknown, tags?: Record<string, string>): void;
  /** Waits up to `timeoutMs` for queued reports; false when some were still pending. */
  flush(timeoutMs: number): Promise<boolean>;
}

export const noopReporter: ErrorReporter = {
  capture() {
    // Sentry is off: the error is already in the JSON log.
  },
  flush: () => Promise.resolve(true),
};

export interface SentryOptions {
  dsn: string;
  environment?: string | undefined;
  release?: string | undefined;
}

export function createSentryReporter(options: SentryOptions): ErrorReporter {
  const client = new ServerRuntimeClient({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    platform: "node",
    runtime: { name: "node", version: process.version },
    serverName: hostname(),
    // Request bodies and headers can hold personal data; only what `capture` is given is sent.
    sendDefaultPii: false,
    integrations: [linkedErrorsIntegration(), dedupeIntegration()],
    stackParser: createStackParser(nodeStackLineParser()),
    transport: (transportOptions) =>
      createTransport(transportOptions, async (request) => {
        const response = await fetch(transportOptions.url, {
          method: "POST",
          // A copy typed as fetch wants it (Uint8Array<ArrayBuffer>, not ArrayBufferLike).
          body: typeof request.body === "string" ? request.body : new Uint8Array(request.body),
          headers: transportOptions.headers,
          signal: AbortSignal.timeout(10_000),
        });
        return {
          statusCode: response.status,
          headers: {
            "x-sentry-rate-limits": response.headers.get("x-sentry-rate-limits"),
            "retry-after": response.headers.get("retry-after"),
          },
        };
      }),
  });
  client.init();

  return {
    capture(error, tags = {}) {
      const scope = new Scope();
      scope.setClient(client);
      scope.setTags(tags);
      client.captureException(error, undefined, scope);
    },
    flush: async (timeoutMs) => client.flush(timeoutMs),
  };
}
