// Server-side error reporting to Sentry through @sentry/core's server client. @sentry/nextjs would
// wrap the build (bundler plugins, source map upload, client bundle) and pulls in OpenTelemetry;
// for a sample whose errors all happen on the server (rendering, the server action, the api
// call), Next's own onRequestError hook plus this small client reports every one of them.
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
  capture(error: unknown, tags: Record<string, string>): void;
  flush(timeoutMs: number): Promise<boolean>;
}

export function createSentryReporter(options: {
  dsn: string;
  environment?: string | undefined;
  release?: string | undefined;
}): ErrorReporter {
  const client = new ServerRuntimeClient({
    dsn: options.dsn,
    environment: options.environment,
    release: options.release,
    platform: "node",
    runtime: { name: "node", version: process.version },
    serverName: hostname(),
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
    capture(error, tags) {
      const scope = new Scope();
      scope.setClient(client);
      scope.setTags(tags);
      client.captureException(error, undefined, scope);
    },
    flush: async (timeoutMs) => client.flush(timeoutMs),
  };
}
