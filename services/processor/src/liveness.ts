// The worker's liveness endpoint. App Platform's liveness check (the catalog's `liveness`: this
// path, on PORT) asks it every 10 s and restarts the worker after three failures in a row: the
// one failure App Platform cannot see on its own is a worker whose process runs but whose slots
// no longer move (a connection that hangs, a handler that never returns).
// Live while no step in hand has run for longer than `stalledAfterMs`. It never asks the database:
// a database that is down is not the worker's fault, and restarting it would not help.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";

/** The path App Platform's liveness check asks; the catalog's processor entry names the same. */
export const LIVENESS_PATH = "/livez";

export interface LivenessOptions {
  host: string;
  port: number;
  /** How long the oldest step in hand has run (Worker.longestStepMs). */
  longestStepMs: () => number;
  /** A step older than this means a stuck slot. */
  stalledAfterMs: number;
  logger: Logger;
}

export async function startLiveness(options: LivenessOptions): Promise<Server> {
  const { logger, stalledAfterMs } = options;
  let reportedStall = false;
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url !== LIVENESS_PATH) {
      response.writeHead(404).end();
      return;
    }
    const longestStepMs = options.longestStepMs();
    const stalled = longestStepMs > stalledAfterMs;
    if (stalled && !reportedStall) {
      logger.error({ longestStepMs, stalledAfterMs }, "a step has run too long: liveness fails");
    }
    reportedStall = stalled;
    response
      .writeHead(stalled ? 503 : 200, { "content-type": "application/json" })
      .end(JSON.stringify({ status: stalled ? "stalled" : "ok", longestStepMs }));
  });
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve).once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port, path: LIVENESS_PATH }, "liveness endpoint listening");
  return server;
}
