// The DigitalOcean calls the program makes itself: every answer but a 2xx is one error that says
// what happened and what to do, for the purpose of the call, and never echoes the token.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFromDigitalOcean } from "../../stacks/digitalocean-api.ts";

let endpoint: string;
const server = createServer((request, response) => {
  const status = Number(new URL(request.url ?? "/", "http://x").searchParams.get("status") ?? 200);
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
});
