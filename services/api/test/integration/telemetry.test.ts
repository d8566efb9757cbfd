// OpenTelemetry as production runs it: the real process (`node src/server.ts`) on a real
// PostgreSQL database, exporting to an in-process OTLP/HTTP receiver that decodes what New Relic
// or Datadog would receive.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/migrations.ts";
import { type ApiProcess, type LogLine, startApi } from "../support/api-process.ts";
import { send } from "../support/http.ts";
import { LOADED_PACKAGES_PREFIX } from "../support/loaded-packages.ts";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from "../support/otlp-receiver.ts";
import { type TestDatabase, createTestDatabase } from "../support/postgres.ts";

const LICENSE_KEY = "test-license-key-0123456789abcdef";
const PROBE = ["--import", "./test/support/loaded-packages.ts"];

let db: TestDatabase;
let receiver: OtlpReceiver;
const running: ApiProcess[] = [];

async function readyApi(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<ApiProcess> {
  const started = await startApi({ DATABASE_URL: db.url, ...env }, { nodeArgs });
  running.push(started);
  const deadline = Date.now() + 10_000;
  while ((await send(`${started.url}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error("the api did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return started;
}

/** SIGTERM, as the platform stops an instance: the api flushes its telemetry and exits 0. */
async function stop(api: ApiProcess): Promise<void> {
  api.child.kill("SIGTERM");
  expect(await api.exited).toBe(0);
}

function telemetryEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_HEADERS: `api-key=${LICENSE_KEY}`,
    OTEL_SERVICE_NAME: "api",
    OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test,service.version=sha256:0a1b2c",
    ...overrides,
  };
}

/** Whether `span` descends from `ancestor` through the parent links the receiver got. */
function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]): boolean {
  for (let current: ReceivedSpan | undefined = span; current !== undefined;) {
    if (current.parentSpanId === ancestor.spanId) return true;
    const parentId: string = current.parentSpanId;
    current = spans.find((candidate) => candidate.spanId === parentId);
  }
  return false;
}

function loadedPackages(api: ApiProcess): string[] {
  const line = api.stderr.find((entry) => entry.startsWith(LOADED_PACKAGES_PREFIX));
  if (line === undefined) throw new Error(`no package list on stderr:\n${api.stderr.join("\n")}`);
  return JSON.parse(line.slice(LOADED_PACKAGES_PREFIX.length)) as string[];
}

/** Warnings and worse, but for the one every api without an origin lock gives at start. */
const warnings = (logs: LogLine[]) =>
  logs.filter(
    (line) =>
      ["warn", "error", "fatal", "unparsed"].includes(line.level) &&
      line.variable !== "ORIGIN_LOCK_SECRETS",
  );

beforeAll(async () => {
  db = await createTestDatabase("telemetry");
  await migrate(db.pool);
});

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.stop()));
  await receiver.close();
});

afterAll(async () => {
  await db.drop();
});

describe("with OTEL_EXPORTER_OTLP_ENDPOINT set", () => {
  it("exports one trace per request: the route's server span, its queries as children", async () => {
    const api = await readyApi(telemetryEnv());
    const created = await send(`${api.url}/items`, { method: "POST", body: { title: "traced" } });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    expect((await send(`${api.url}/items/${id}`)).status).toBe(200);
    await stop(api);

    const { spans } = receiver;
    const server = spans.find((span) => span.name === "GET /items/:id");
    expect(server).toMatchObject({
      kind: SPAN_KIND.server,
      parentSpanId: "",
      attributes: {
        "http.route": "/items/:id",
        "http.request.method": "GET",
        "http.response.status_code": 200,
        // What Datadog names the trace metrics after; the stack's monitors query it.
        "operation.name": "http.server.request",
      },
      resource: {
        "service.name": "api",
        "deployment.environment.name": "test",
        "service.version": "sha256:0a1b2c",
      },
    });
    if (server === undefined) throw new Error("no server span");

    const queries = spans.filter(
      (span) => span.kind === SPAN_KIND.client && span.scope.includes("instrumentation-pg"),
    );
    const ofThisRequest = queries.filter((span) => descendsFrom(span, server, spans));
    expect(ofThisRequest.length).toBeGreaterThan(0);
    for (const query of ofThisRequest) expect(query.traceId).toBe(server.traceId);
    expect(
      ofThisRequest.some((span) => String(span.attributes["db.query.text"]).includes("items")),
    ).toBe(true);
    // Query parameters (the item's id, a title) are never recorded.
    expect(JSON.stringify(spans)).not.toContain("traced");

    // Both requests are traced, each on its own; nothing else starts a trace: not the probes
    // (/readyz was polled until ready), not the migrations.
    const roots = spans.filter((span) => span.parentSpanId === "");
    expect(roots.map((span) => span.name).sort()).toEqual(["GET /items/:id", "POST /items"]);
    expect(new Set(roots.map((span) => span.traceId)).size).toBe(2);

    // The request's log line carries its trace, so logs and traces find each other.
    expect(
      api.logs.find((line) => line.msg === "request completed" && line.path === `/items/${id}`),
    ).toMatchObject({ trace_id: server.traceId, span_id: server.spanId });
  });

  it("exports request and query metrics, delta temporality, by route", async () => {
    const api = await readyApi(telemetryEnv());
    expect((await send(`${api.url}/items?limit=1`)).status).toBe(200);
    await stop(api);

    const duration = receiver.metrics.find(
      (metric) => metric.name === "http.server.request.duration",
    );
    expect(duration).toMatchObject({
      type: "histogram",
      temporality: 1,
      resource: { "service.name": "api" },
    });
    expect(duration?.points).toContainEqual(
      expect.objectContaining({ "http.route": "/items", "http.response.status_code": 200 }),
    );
    expect(receiver.metrics.map((metric) => metric.name)).toContain("db.client.operation.duration");
  });

  it("sends the headers on every export, gzip-compressed protobuf, and never logs them", async () => {
    const api = await readyApi(telemetryEnv());
    expect((await send(`${api.url}/items`)).status).toBe(200);
    await stop(api);

    expect(receiver.requests.map((request) => request.path).sort()).toEqual([
      "/v1/metrics",
      "/v1/traces",
    ]);
    for (const { headers } of receiver.requests) {
      expect(headers).toMatchObject({
        "api-key": LICENSE_KEY,
        "content-type": "application/x-protobuf",
        "content-encoding": "gzip",
      });
    }
    expect(api.logs).toContainEqual(
      expect.objectContaining({
        msg: "exporting traces and metrics over OTLP",
        endpoint: receiver.url,
        protocol: "http/protobuf",
        headers: ["api-key"],
      }),
    );
    expect(JSON.stringify(api.logs)).not.toContain(LICENSE_KEY);
    expect(warnings(api.logs)).toEqual([]);
  });

  it("continues the caller's trace when the request carries a W3C traceparent", async () => {
    const api = await readyApi(telemetryEnv());
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const parentId = "00f067aa0ba902b7";
    const response = await fetch(`${api.url}/items?limit=1`, {
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    expect(response.status).toBe(200);
    await stop(api);

    expect(receiver.spans.find((span) => span.name === "GET /items")).toMatchObject({
      traceId,
      parentSpanId: parentId,
    });
  });

  it("speaks OTLP/HTTP JSON when OTEL_EXPORTER_OTLP_PROTOCOL=http/json", async () => {
    const api = await readyApi(telemetryEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }));
    expect((await send(`${api.url}/items`)).status).toBe(200);
    await stop(api);

    expect(receiver.requests.length).toBeGreaterThan(0);
    for (const { headers } of receiver.requests) {
      expect(headers["content-type"]).toBe("application/json");
    }
    const server = receiver.spans.find((span) => span.name === "GET /items");
    expect(server?.kind).toBe(SPAN_KIND.server);
    expect(
      receiver.spans.some(
        (span) => server !== undefined && descendsFrom(span, server, receiver.spans),
      ),
    ).toBe(true);
  });

  it("ties an error report to its trace, and names the deployment from the resource", async () => {
    const envelopes: string[] = [];
    // Stands in for sentry.io's ingestion endpoint.
    const ingest = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        envelopes.push(Buffer.concat(chunks).toString());
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => ingest.listen(0, "127.0.0.1", resolve));
    const broken = await createTestDatabase("telemetry_sentry");
    try {
      // No items table: the query fails in a way no retry fixes, a 500 reported to Sentry.
      const { port } = ingest.address() as AddressInfo;
      const api = await startApi({
        ...telemetryEnv(),
        DATABASE_URL: broken.url,
        MIGRATE_ON_START: "false",
        SENTRY_DSN: `http://publickey@127.0.0.1:${String(port)}/7`,
      });
      running.push(api);
      expect((await send(`${api.url}/items`)).status).toBe(500);
      await stop(api);

      const server = receiver.spans.find((span) => span.name === "GET /items");
      const event = JSON.parse(envelopes[0]?.split("\n")[2] ?? "{}") as {
        environment?: string;
        release?: string;
        tags?: Record<string, string>;
      };
      // SENTRY_ENVIRONMENT and SENTRY_RELEASE are unset: the resource attributes name both.
      expect(event).toMatchObject({
        environment: "test",
        release: "sha256:0a1b2c",
        tags: { trace_id: server?.traceId, span_id: server?.spanId },
      });
      expect(server?.attributes["http.response.status_code"]).toBe(500);
    } finally {
      await new Promise((resolve) => ingest.close(resolve));
      await broken.drop();
    }
  });

  it("loads OpenTelemetry, which the probe of the next test would see", async () => {
    const api = await readyApi(telemetryEnv(), PROBE);
    await stop(api);
    expect(loadedPackages(api)).toEqual(
      expect.arrayContaining([
        "@opentelemetry/sdk-trace",
        "@opentelemetry/instrumentation-pg",
        "fastify",
        "pg",
      ]),
    );
  });
});

describe("without OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("serves without loading OpenTelemetry, exporting or warning anything", async () => {
    // Everything but the endpoint is set, as a stack without a backend might leave it.
    const { OTEL_EXPORTER_OTLP_ENDPOINT: _endpoint, ...rest } = telemetryEnv();
    const api = await readyApi(rest, PROBE);
    expect((await send(`${api.url}/items`)).status).toBe(200);
    await stop(api);

    const packages = loadedPackages(api);
    expect(packages).toEqual(expect.arrayContaining(["fastify", "pg"]));
    expect(packages.filter((name) => /opentelemetry|in-the-middle/.test(name))).toEqual([]);
    expect(receiver.requests).toEqual([]);
    expect(warnings(api.logs)).toEqual([]);
    expect(api.logs).toContainEqual(
      expect.objectContaining({ msg: "accepting connections", telemetry: "off" }),
    );
  });
});
