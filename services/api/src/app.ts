// The HTTP surface: health, readiness, the items resource, and one error shape for everything.
import { randomUUID } from "node:crypto";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import { isIP, type Socket } from "node:net";
import Fastify, { type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type { Logger } from "pino";
import { type Database, isDataException, isDatabaseTimeout, isDatabaseUnavailable } from "./db.ts";
import { HttpError } from "./errors.ts";
import { HTTP_TIMEOUTS, type HttpTimeouts, serverTimeoutOptions } from "./http-timeouts.ts";
import { itemsRepository } from "./items/repository.ts";
import { ORIGIN_LOCK_HEADER, originLockAccepts } from "@platform/runtime/origin-lock";
import { registerItemRoutes } from "./items/routes.ts";
import { type ErrorReporter, noopReporter } from "@platform/runtime/sentry";

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
  /** How long a client may take at each stage of a connection. @default HTTP_TIMEOUTS */
  timeouts?: HttpTimeouts;
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

/**
 * Fastify's own rejections, in words of ours: its messages quote the request (an unsupported
 * media type is echoed back), and an error body never repeats what the client sent.
 */
const CLIENT_ERRORS: Readonly<Record<number, { error: string; message: string }>> = {
  400: { error: "invalid_body", message: "the body could not be read as JSON" },
  413: { error: "payload_too_large", message: "the body is larger than 16 KiB" },
  415: { error: "unsupported_media_type", message: "the api takes application/json bodies only" },
};

/**
 * What a 503 tells the client to wait, in seconds: about how long a restarting PostgreSQL or a
 * released lock takes to serve again (`pnpm drill` measures it).
 */
const RETRY_AFTER_SECONDS = "5";

/** A database that cannot serve now: 503 with Retry-After, for the client to try again. */
const DATABASE_REFUSALS = [
  {
    matches: isDatabaseTimeout,
    logLine: "database query timed out",
    error: "database_timeout",
    message: "the database did not answer in time; retry shortly",
  },
  {
    matches: isDatabaseUnavailable,
    logLine: "database unavailable",
    error: "database_unavailable",
    message: "the database is unreachable; retry shortly",
  },
] as const;

/** Headers on every response: JSON is never sniffed as something else, nor kept by a cache. */
const RESPONSE_HEADERS = { "x-content-type-options": "nosniff", "cache-control": "no-store" };

/**
 * The client's address, from the edge's `CF-Connecting-IP`, for requests the origin lock has
 * verified: only they passed the edge, which sets that header itself. Without the lock (local
 * development) the header is anyone's word and is ignored.
 */
const verifiedClients = new WeakMap<FastifyRequest, string>();

function clientAddress(header: unknown): string | undefined {
  return typeof header === "string" && isIP(header) !== 0 ? header : undefined;
}

/** Every body must be UTF-8: decoding it leniently would store U+FFFD in place of what was sent. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

const INVALID_UTF8 = new HttpError(400, "invalid_encoding", "the body is not valid UTF-8", [
  { path: "body", message: "must be UTF-8 text: it holds a byte sequence that is not UTF-8" },
]);

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
    // The path without its query, the route it matched, never a header or the body.
    const line = {
      method: request.method,
      path: request.url.split("?")[0],
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
      clientIp: verifiedClients.get(request),
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
    ...serverTimeoutOptions(options.timeouts ?? HTTP_TIMEOUTS),
    // A connection refused before it made a request (too slow, malformed): logged and answered
    // like every other refusal.
    clientErrorHandler: (error, socket) => {
      refuseConnection(error, socket, logger);
    },
  });
  // First of all listeners, so every response carries them, the 503s of a closing server too.
  app.server.prependListener("request", (_request, response) => {
    for (const [name, value] of Object.entries(RESPONSE_HEADERS)) response.setHeader(name, value);
  });

  // The api speaks JSON only; Fastify would otherwise hand text/plain bodies through as strings.
  app.removeContentTypeParser("text/plain");
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(INVALID_UTF8, undefined);
      return;
    }
    void parseJson(request, text, done);
  });

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
    const locked = originLockSecrets.length > 0;
    const throughPlatform =
      locked && originLockAccepts(request.headers[ORIGIN_LOCK_HEADER], originLockSecrets);
    if (locked && !throughPlatform && request.url.split("?")[0] !== "/healthz") {
      void send(reply, 403, {
        error: "forbidden",
        message: "requests reach the api through the platform only",
      });
      return;
    }
    const client = throughPlatform ? clientAddress(request.headers["cf-connecting-ip"]) : undefined;
    if (client !== undefined) verifiedClients.set(request, client);
    done();
  });

  app.setNotFoundHandler((_request, reply) =>
    send(reply, 404, { error: "route_not_found", message: "no route for this method and path" }),
  );

  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof HttpError) {
      const body = { error: error.code, message: error.message };
      return send(reply, error.statusCode, error.issues ? { ...body, issues: error.issues } : body);
    }
    const refusal = DATABASE_REFUSALS.find(({ matches }) => matches(error));
    if (refusal !== undefined) {
      request.log.warn({ err: error }, refusal.logLine);
      void reply.header("retry-after", RETRY_AFTER_SECONDS);
      return send(reply, 503, { error: refusal.error, message: refusal.message });
    }
    if (isDataException(error)) {
      // PostgreSQL's message may quote the value; the log keeps it, the answer does not.
      request.log.info({ err: error }, "the database refused a value");
      return send(reply, 400, {
        error: "invalid_value",
        message: `the database refused a value of the request (SQLSTATE ${error.code})`,
      });
    }
    const status = statusCodeOf(error);
    if (status !== undefined && status >= 400 && status < 500) {
      // Fastify's own rejections: malformed JSON, wrong content type, body too large.
      const { error: code, message } = CLIENT_ERRORS[status] ?? {
        error: "bad_request",
        message: "the request could not be read",
      };
      return send(reply, status, { error: code, message, issues: [{ path: "body", message }] });
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
      void reply.header("retry-after", RETRY_AFTER_SECONDS);
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

/** What a refused connection is answered, by Node's error code; anything else is a 400. */
const CONNECTION_REFUSALS: Readonly<
  Record<string, { status: number; error: string; message: string }>
> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    error: "request_timeout",
    message: "the request did not arrive in time",
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    error: "headers_too_large",
    message: "the request headers are too large",
  },
};

/**
 * Answers a connection Node refused before it became a request, as Fastify's default handler
 * does but with a log line and the api's headers and error shape: 408 when the client was too
 * slow, 431 for oversized headers, 400 for anything unparseable. A reset connection has no one
 * to answer.
 */
function refuseConnection(error: Error & { code?: string }, socket: Socket, logger: Logger): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const { status, ...refusal } = CONNECTION_REFUSALS[error.code ?? ""] ?? {
    status: 400,
    error: "bad_request",
    message: "the request could not be parsed",
  };
  const requestId = randomUUID();
  logger.info({ requestId, statusCode: status, code: error.code }, "connection refused");
  if (socket.writable) {
    const body = JSON.stringify({ ...refusal, requestId } satisfies ErrorBody);
    const headers = {
      ...RESPONSE_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "content-length": String(Buffer.byteLength(body)),
      "x-request-id": requestId,
      connection: "close",
    };
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${head.join("")}\r\n${body}`);
  }
  socket.destroy(error);
}

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  return typeof error.statusCode === "number" ? error.statusCode : undefined;
}
