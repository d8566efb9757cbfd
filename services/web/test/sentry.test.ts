// Server errors reach Sentry when SENTRY_DSN is set: Next's onRequestError hook, through
// lib/instrumentation-node.ts, to a stand-in for Sentry's ingestion endpoint.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

let ingest: Server;
const envelopes: string[] = [];

beforeAll(async () => {
  ingest = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.url?.startsWith("/api/42/envelope/") === true) {
        envelopes.push(Buffer.concat(chunks).toString());
      }
      response.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((resolve) => ingest.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise((resolve) => ingest.close(resolve));
});

describe("onRequestError", () => {
  it("logs the error as JSON and reports it with the route, environment and release", async () => {
    const { port } = ingest.address() as AddressInfo;
    vi.stubEnv("SENTRY_DSN", `http://publickey@127.0.0.1:${String(port)}/42`);
    vi.stubEnv("SENTRY_ENVIRONMENT", "test");
    vi.stubEnv("SENTRY_RELEASE", "sha256:5e1ec7ed");
    vi.stubEnv("API_URL", "http://127.0.0.1:1");
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { registerNode, reportRequestError } = await import("../lib/instrumentation-node");

    await registerNode();
    await reportRequestError(
      Object.assign(new Error("render exploded"), { digest: "12345" }),
      { path: "/?page=2", method: "GET", headers: {} },
      {
        routerKind: "App Router",
        routePath: "/",
        routeType: "render",
        renderSource: "react-server-components",
        revalidateReason: undefined,
      },
    );

    expect(envelopes).toHaveLength(1);
    const event = JSON.parse(envelopes[0]?.split("\n")[2] ?? "{}") as {
      environment?: string;
      release?: string;
      tags?: Record<string, string>;
      exception?: { values?: { value?: string }[] };
    };
    expect(event.environment).toBe("test");
    expect(event.release).toBe("sha256:5e1ec7ed");
    expect(event.exception?.values?.[0]?.value).toBe("render exploded");
    expect(event.tags).toEqual({
      method: "GET",
      path: "/?page=2",
      route: "/",
      routeType: "render",
      digest: "12345",
    });
    const line = JSON.parse(String(logged.mock.calls[0]?.[0])) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: "error",
      service: "web",
      msg: "request failed",
      digest: "12345",
    });
  });
});
