// HTTP as a misbehaving client speaks it: raw bytes on a socket, written as slowly as the test
// wants, and everything the server answered until it closed the connection.
import { connect } from "node:net";

export interface RawExchange {
  /** Everything the server sent, as latin1 text (bytes kept one to one). */
  response: string;
  /** Milliseconds from the first write until the server closed the connection. */
  closedAfterMs: number;
}

/**
 * Writes `chunks` to a fresh connection, one every `intervalMs` (and keeps trickling `drip` at the
 * same pace once they are out, when given), and resolves when the server closes the connection.
 */
export function rawExchange(
  url: string,
  chunks: readonly (string | Buffer)[],
  options: { intervalMs?: number; drip?: string } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    const started = Date.now();
    const pending = [...chunks];
    const timer = setInterval(() => {
      const next = pending.shift() ?? options.drip;
      if (next !== undefined && socket.writable) socket.write(next);
    }, options.intervalMs ?? 0);
    socket.on("data", (data: Buffer) => received.push(data));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({
        response: Buffer.concat(received).toString("latin1"),
        closedAfterMs: Date.now() - started,
      });
    });
    socket.on("connect", () => {
      const first = pending.shift();
      if (first !== undefined) socket.write(first);
    });
    socket.setTimeout(30_000, () => {
      socket.destroy();
      reject(new Error("the server kept the connection open for 30 s"));
    });
  });
}

/** The status code of a raw HTTP response, or 0 when there was none. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

/**
 * The timeouts the services' tests start them with (HTTP_*_TIMEOUT_MS), short enough to watch:
 * headers within 0.5 s, the whole request within 1 s, idle keep-alive 1 s.
 */
export const SHORT_TIMEOUTS = {
  HTTP_HEADERS_TIMEOUT_MS: "500",
  HTTP_REQUEST_TIMEOUT_MS: "1000",
  HTTP_KEEP_ALIVE_TIMEOUT_MS: "1000",
};

/** What a slow client got, and when the server hung up on it. */
export interface Cut {
  status: number;
  closedAfterMs: number;
  response: string;
}

const cut = async (exchange: Promise<RawExchange>): Promise<Cut> => {
  const { response, closedAfterMs } = await exchange;
  return { status: statusOf(response), closedAfterMs, response };
};

/** A request line, then one header line every 100 ms, never the blank line that ends them. */
export function slowHeaders(url: string): Promise<Cut> {
  return cut(
    rawExchange(url, ["GET /healthz HTTP/1.1\r\nHost: test\r\n"], {
      intervalMs: 100,
      drip: "x-slow: 1\r\n",
    }),
  );
}

/** `head` (request line, headers, blank line), then one body byte every 100 ms. */
export function trickledBody(url: string, head: string): Promise<Cut> {
  return cut(rawExchange(url, [head], { intervalMs: 100, drip: "a" }));
}

/** One request on a kept-alive connection, then silence until the server closes it. */
export function idleAfterOneRequest(url: string): Promise<Cut> {
  return cut(rawExchange(url, ["GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"]));
}
