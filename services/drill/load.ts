// A closed-loop load: a fixed number of workers, each sending its next request when the previous
// one has answered, so the load stays bounded whatever the services do. Every request becomes a
// sample: when it started and ended, and its outcome.
import { Agent, type IncomingHttpHeaders, request } from "node:http";

export interface Outcome {
  /** "ok", or what went wrong: an HTTP status ("503"), "200 degraded", a socket error, "timeout". */
  outcome: string;
  /** An error answer's Retry-After header. */
  retryAfter?: string;
  /** A write the service acknowledged, by its unique title. */
  acknowledged?: string;
}

export interface Sample extends Outcome {
  /** Which service answered: api, web, floor. */
  target: string;
  operation: "read" | "write";
  /** Milliseconds on the drill's clock (performance.now()). */
  startedAt: number;
  endedAt: number;
}

export interface Operation {
  target: string;
  operation: "read" | "write";
  send(): Promise<Outcome>;
}

/** Hands each worker its next request. */
export type Worker = () => Operation;

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A request no service answered within this is a `timeout`: every bound of the platform is shorter. */
export const CLIENT_TIMEOUT_MS = 15_000;

/** After an error a worker pauses this long, as a client would, instead of spinning on refusals. */
const PAUSE_AFTER_ERROR_MS = 100;

export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}

/** One HTTP request; rejects with the socket's error (its `code`) or a `timeout`. */
export function send(
  agent: Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () => {
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
        });
        incoming.on("error", reject);
      },
    );
    outgoing.setTimeout(CLIENT_TIMEOUT_MS, () => {
      outgoing.destroy(Object.assign(new Error("no answer in time"), { code: "timeout" }));
    });
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}

/** What a failed `send` is called in the report: the socket error's code, e.g. ECONNREFUSED. */
export function transportFailure(error: unknown): Outcome {
  const code =
    error instanceof Error && "code" in error && typeof error.code === "string"
      ? error.code
      : "network error";
  return { outcome: code };
}

export interface Load {
  readonly samples: readonly Sample[];
  /** Lets every request in flight finish, then resolves. */
  stop(): Promise<void>;
}

export function startLoad(workers: readonly Worker[], now: () => number): Load {
  const samples: Sample[] = [];
  let stopping = false;

  const loop = async (next: Worker) => {
    while (!stopping) {
      const operation = next();
      const startedAt = now();
      let outcome: Outcome;
      try {
        outcome = await operation.send();
      } catch (error) {
        outcome = transportFailure(error);
      }
      samples.push({
        target: operation.target,
        operation: operation.operation,
        startedAt,
        endedAt: now(),
        ...outcome,
      });
      if (outcome.outcome !== "ok") {
        await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_ERROR_MS));
      }
    }
  };
  const running = workers.map(loop);

  return {
    samples,
    async stop() {
      stopping = true;
      await Promise.all(running);
    },
  };
}
