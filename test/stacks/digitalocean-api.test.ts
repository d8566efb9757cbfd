// The DigitalOcean calls the program makes itself: every answer but a 2xx is one error that says
// what happened and what to do, for the purpose of the call, and never echoes the token.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFromDigitalOcean } from "../../stacks/digitalocean-api.ts";

let endpoint: string;
/** Requests the server has seen, by path: `?reset=N` drops the connection of the first N. */
const seen = new Map<string, number>();
const server = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://x");
  const count = (seen.get(url.pathname) ?? 0) + 1;
  seen.set(url.pathname, count);
  if (count <= Number(url.searchParams.get("reset") ?? 0)) {
    request.socket.destroy();
    return;
  }
  const status = Number(url.searchParams.get("status") ?? 200);
  response.writeHead(status, { "content-type": "text/plain" });
  response.end(status === 200 ? "not json" : "nope");
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/prefix/`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
});

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "no error",
    (error: unknown) => (error as Error).message,
  );

describe("a DigitalOcean API call", () => {
  it("returns a 2xx answer as text, and JSON when it is JSON", async () => {
    const answer = await getFromDigitalOcean(
      { endpoint, token: "t" },
      "v2/x?status=200",
      "to test",
    );
    expect(answer).toEqual({ status: 200, text: "not json", body: undefined });
  });

  it.each([
    [401, "The DigitalOcean API refused the token (HTTP 401, to test): export DIGITALOCEAN_TOKEN="],
    [403, "The DigitalOcean API refused the token (HTTP 403, to test): export DIGITALOCEAN_TOKEN="],
    [
      502,
      "The DigitalOcean API answered HTTP 502 to GET /prefix/v2/x (to test); try again, or check status.digitalocean.com.",
    ],
  ])("turns HTTP %i into one line that says what to do", async (status, message) => {
    const error = await errorOf(
      getFromDigitalOcean(
        { endpoint, token: "secret-token" },
        `v2/x?status=${String(status)}`,
        "to test",
      ),
    );
    expect(error.startsWith(message)).toBe(true);
    expect(error).not.toContain("secret-token");
  });

  it("sends a GET again when the connection drops before an answer, and gives up after three", async () => {
    const recovered = await getFromDigitalOcean(
      { endpoint, token: "t" },
      "v2/flaky?reset=2",
      "to test",
    );
    expect(recovered.status).toBe(200);
    expect(seen.get("/prefix/v2/flaky")).toBe(3);

    const error = await errorOf(
      getFromDigitalOcean({ endpoint, token: "t" }, "v2/down?reset=9", "to test"),
    );
    expect(error).toMatch(
      /^Could not reach the DigitalOcean API at http:\/\/127\.0\.0\.1:\d+ \(to test\): Error: socket hang up; check the network/,
    );
    expect(seen.get("/prefix/v2/down")).toBe(3);
  });

  it("never sends a GET again once an answer came, even an error status", async () => {
    await errorOf(getFromDigitalOcean({ endpoint, token: "t" }, "v2/once?status=503", "to test"));
    expect(seen.get("/prefix/v2/once")).toBe(1);
  });
});
