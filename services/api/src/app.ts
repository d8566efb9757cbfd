// The HTTP surface: health, readiness, the items resource, and one error shape for everything.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type { Logger } from "pino";
import { type Database, isDataException, isDatabaseUnavailable } from "./db.ts";
import { HttpError } from "./errors.ts";
import { itemsRepository } from "./items/repository.ts";
import { ORIGIN_LOCK_HEADER, originLockAccepts } from "./origin-lock.ts";
import { registerItemRoutes } from "./items/routes.ts";
import { type ErrorReporter, noopReporter } from "./sentry.ts";

/**
 * What the api asks of tracing (src/telemetry.ts) while it serves a request. Absent when
 * telemetry is off, so this module never loads OpenTelemetry itself.
 */
export interface RequestTracing {
  /** Names the request's server span, and tags its metrics, after the matched route. */
  nameRoute(route: string): void;
  /**
   * The ids of the request's span, for its log lines and error reports, under the field names of
   * OpenTelemetry's trace context in non-OTLP logs
   * (https://opentelemetry.io/docs/specs/otel/compatibility/logging_trace_context/).
   */
  currentIds(): { trace_id: string; span_id: string } | undefined;
}

export interface AppOptions {
  db: Database;
  logger: Logger;
  reporter?: ErrorReporter;
  /** False until migrations have run: /readyz and the items routes answer 503 meanwhile. */
  isSchemaReady?: () => boolean;
  /** How long /readyz waits for the database before calling it unreachable. @default 2000 */
  readinessTimeoutMs?: number;
  /**
   * Secrets of the origin lock: every request but `/healthz` (App Platform's own health check)
   * must carry one in `x-origin-lock`. @default [] (no lock)
   */
  originLockSecrets?: readonly string[];
  /** OpenTelemetry's view of each request. @default undefined (telemetry off) */
  tracing?: RequestTracing;
}

// Accept the caller's request id (a load balancer or the web service) when it looks like one, so a
// request can be followed across services; anything else could smuggle text into the logs.
const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestIdOf(request: Pick<IncomingMessage, "headers">): string {
  const header = request.headers["x-request-id"];
  return typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
}

interface ErrorBody {
  error: string;
  message: string;
  requestId: string;
  issues?: readonly { path: string; message: string }[];
}

function send(reply: FastifyReply, status: number, body: Omit<ErrorBody, "requestId">) {
  return reply.code(status).send({ ...body, requestId: reply.request.id } satisfies ErrorBody);
}

const CLIENT_ERROR_CODES: Readonly<Record<number, string>> = {
  400: "invalid_body",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** One line per request, when it completes, instead of Fastify's two: half the logging cost. */
class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: "requestId" });
  }

  override incomingRequest(): void {
    // Logged with its outcome in requestCompleted.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) reply.log.error({ ...line, err: error }, "request failed");
    else reply.log.info(line, "request completed");
  }
}

export function buildApp(options: AppOptions) {
  const { db, logger } = options;
  const reporter = options.reporter ?? noopReporter;
  const isSchemaReady = options.isSchemaReady ?? (() => true);
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2_000;

  const app = Fastify({
    loggerInstance: logger,
    genReqId: requestIdOf,
    logController: new RequestLog(),
    bodyLimit: 16 * 1024,
    // While closing, requests on kept-alive connections get 503 and idle connections are closed,
    // so the server stops without waiting for clients to hang up.
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });

  // The api speaks JSON only; Fastify would otherwise hand text/plain bodies through as strings.
  app.removeContentTypeParser("text/plain");

  const { tracing } = options;
  if (tracing !== undefined) {
    // First of all hooks, so refused and failed requests are named and correlated too.
    app.addHook("onRequest", (request, reply, done) => {
      const route = request.routeOptions.url;
      if (route !== undefined) tracing.nameRoute(route);
      const ids = tracing.currentIds();
      // Reply keeps a logger of its own (the "request completed" line is written through it).
      if (ids !== undefined) request.log = reply.log = request.log.child(ids);
      done();
    });
  }

  const originLockSecrets = options.originLockSecrets ?? [];
  app.addHook("onRequest", (request, reply, done) => {
    void reply.header("x-request-id", request.id);
    if (
      request.url.split("?")[0] !== "/healthz" &&
      !originLockAccepts(request.headers[ORIGIN_LOCK_HEADER], originLockSecrets)
    ) {
      void send(reply, 403, {
        error: "forbidden",
        message: "requests reach the api through the platform only",
      });
      return;
    }
    done();
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, {
      error: "route_not_found",
      message: `no route for ${request.method} ${request.url}`,
    }),
  );

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) {
      const body = { error: error.code, message: error.message };
      return send(reply, error.statusCode, error.issues ? { ...body, issues: error.issues } : body);
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, "database unavailable");
      void reply.header("retry-after", "5");
      return send(reply, 503, {
        error: "database_unavailable",
        message: "the database is unreachable; retry shortly",
      });
    }
    if (isDataException(error)) {
      request.log.info({ err: error }, "the database refused a value");
      return send(reply, 400, {
        error: "invalid_value",
        message: `the database refused a value of the request (SQLSTATE ${error.code}): ${error.message}`,
      });
    }
    const status = statusCodeOf(error);
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own rejections: malformed JSON, wrong content type, body too large.
      const message = error instanceof Error ? error.message : "bad request";
      return send(reply, status, {
        error: CLIENT_ERROR_CODES[status] ?? "bad_request",
        message,
        issues: [{ path: "body", message }],
      });
    }
    request.log.error({ err: error }, "unhandled error");
    reporter.capture(error, {
      requestId: request.id,
      route: request.routeOptions.url ?? "unknown",
      method: request.method,
      ...tracing?.currentIds(),
    });
    return send(reply, 500, { error: "internal_error", message: "internal error" });
  });

  // LB monitors poll these every few seconds: log them only when something is wrong.
  app.get("/healthz", { logLevel: "warn" }, () => ({ status: "ok" }));

  app.get("/readyz", { logLevel: "warn" }, async (_request, reply) => {
    const schemaReady = isSchemaReady();
    const { ok, ...checks } = await db.check(readinessTimeoutMs);
    const ready = schemaReady && ok;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? "ready" : "unavailable",
      checks: { ...checks, schema: schemaReady ? "migrated" : "pending" },
    });
  });

  const items = itemsRepository(db);
  void app.register((scope, _opts, done) => {
    scope.addHook("onRequest", (_request, reply, next) => {
      if (isSchemaReady()) {
        next();
        return;
      }
      void reply.header("retry-after", "5");
      void send(reply, 503, {
        error: "not_ready",
        message: "the database schema is not migrated yet; retry shortly",
      });
    });
    registerItemRoutes(scope, items);
    done();
  });

  app.addHook("onClose", async () => {
    await db.close();
  });

  return app;
}

export type App = ReturnType<typeof buildApp>;

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  return typeof error.statusCode === "number" ? error.statusCode : undefined;
}
