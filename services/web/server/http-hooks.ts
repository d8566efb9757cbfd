// The web's HTTP server, seen from outside Next: Next's standalone server.js creates and starts it
// itself (next/dist/server/lib/start-server.js: `http.createServer(requestListener)`, only
// KEEP_ALIVE_TIMEOUT configurable). Node publishes both moments on diagnostics channels
// (https://nodejs.org/api/diagnostics_channel.html#built-in-channels), which this module
// subscribes to before server.js runs (server/main.ts):
// - `tracing:net.server.listen:asyncStart` hands over the server as `listen()` is called, before
//   a connection can arrive: the timeouts and the refusal of broken connections go on then;
// - `http.server.request.start` comes with every request, before Next sees it: the request gets
//   its id, and its response one log line when it closes (finished or cut off).
import { randomUUID } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import { type IncomingMessage, STATUS_CODES, Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { WebConfig } from "../lib/config.ts";
import { log } from "../lib/log.ts";
import { ORIGIN_LOCK_HEADER, verifiedClientAddress } from "@platform/runtime/origin-lock";

// The same rule as the api's: a caller's id is kept when it looks like one, so a request can be
// followed across services; anything else could smuggle text into the logs.
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The load balancer's and App Platform's probes: logged only when they fail. */
const PROBES = new Set(["/healthz", "/readyz"]);

/** What a refused connection is answered (Node's own choice of status), by Node's error code. */
const REFUSALS: Readonly<Record<string, number>> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === "string" ? value : null;
}

/**
 * A connection Node refused before it became a request: too slow, oversized or malformed. The
 * same answer Node gives without a listener (lib/_http_server.js, socketOnError), plus a log line.
 */
function refuseConnection(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy(error);
    return;
  }
  const status = REFUSALS[error.code ?? ""] ?? 400;
  log("info", "connection refused", {
    requestId: randomUUID(),
    statusCode: status,
    code: error.code,
  });
  socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\n\r\n`);
  socket.destroy(error);
}

function bound(server: Server, config: WebConfig): void {
  Object.assign(server, {
    headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // Node checks the two deadlines above on this timer (30 s by default), and reads it when the
    // server starts listening (lib/_http_server.js, setupConnectionsTracking): a second keeps the
    // cut within a second of the deadline.
    connectionsCheckingInterval: Math.min(1_000, config.HTTP_HEADERS_TIMEOUT_MS),
  });
  server.setTimeout(config.HTTP_IDLE_TIMEOUT_MS);
  server.on("clientError", refuseConnection);
}

function logged(request: IncomingMessage, response: ServerResponse, config: WebConfig): void {
  const started = performance.now();
  const presented = header(request, "x-request-id");
  const requestId = presented !== null && REQUEST_ID.test(presented) ? presented : randomUUID();
  // Next and the pages read the request's headers later: the id travels on to the api from here.
  request.headers["x-request-id"] = requestId;
  response.setHeader("x-request-id", requestId);
  const clientIp = verifiedClientAddress(
    {
      originLock: header(request, ORIGIN_LOCK_HEADER),
      connectingIp: header(request, "cf-connecting-ip"),
    },
    config.ORIGIN_LOCK_SECRETS,
  );
  response.once("close", () => {
    const path = (request.url ?? "").split("?")[0] ?? "";
    const finished = response.writableFinished;
    if (PROBES.has(path) && finished && response.statusCode < 400) return;
    // The path without its query, never a header or the body.
    log("info", "request completed", {
      method: request.method,
      path,
      statusCode: response.statusCode,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      requestId,
      clientIp,
      ...(finished ? {} : { aborted: true }),
    });
  });
}

/** Subscribes once, before the server exists; every server the process starts is covered. */
export function installHttpHooks(config: WebConfig): void {
  subscribe("tracing:net.server.listen:asyncStart", (message) => {
    const { server } = message as { server: unknown };
    if (server instanceof Server) bound(server as Server, config);
  });
  subscribe("http.server.request.start", (message) => {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    logged(request, response, config);
  });
}
