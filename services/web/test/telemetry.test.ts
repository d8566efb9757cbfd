// OpenTelemetry across both services, as production runs them: the standalone server.js in front of
// the real api on a real PostgreSQL database, both exporting to one in-process OTLP/HTTP receiver
// that decodes what New Relic or Datadog would receive. One page view is one trace: the web's
// server span, Next's fetch, the call to the api carrying `traceparent`, the api's server span and
// its queries.
import { type IncomingHttpHeaders, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../api/src/migrations.ts";
import { LOADED_PACKAGES_PREFIX } from "../../api/test/support/loaded-packages.ts";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  SPAN_KIND,
  startOtlpReceiver,
} from "../../api/test/support/otlp-receiver.ts";
import { type TestDatabase, createTestDatabase } from "../../api/test/support/postgres.ts";
import {
  type ServerProcess,
  startApi as startApiProcess,
  startWeb as startWebProcess,
  stopAll,
} from "./support/servers.ts";

const web = path.join(import.meta.dirname, "..");
const probe = path.join(web, "../api/test/support/loaded-packages.ts");

const ORIGIN_LOCK = `telemetry-origin-lock-${"x".repeat(32)}`;
const THROUGH_EDGE = { "x-origin-lock": ORIGIN_LOCK };
const LICENSE_KEY = "web-test-license-key-0123456789abcdef";

let db: TestDatabase;
let receiver: OtlpReceiver;
/** Every server runs with the probe that lists the packages it loaded. */
const probed = ["--import", probe];

/** The api on the test's database, once it listens and has migrated. */
function startApi(env: Record<string, string>): Promise<ServerProcess> {
  return startApiProcess(
    db.url,
    { ORIGIN_LOCK_SECRETS: ORIGIN_LOCK, ...env },
    { headers: THROUGH_EDGE, nodeArgs: probed },
  );
}

/** The web's standalone entry, once Next says it is ready. */
function startWeb(env: Record<string, string>): Promise<ServerProcess> {
  return startWebProcess({ ORIGIN_LOCK_SECRETS: ORIGIN_LOCK, ...env }, probed);
}

/** SIGTERM, as the platform stops an instance; Next exits 143 once its requests are done. */
async function stopWeb(server: ServerProcess): Promise<void> {
  server.child.kill("SIGTERM");
  expect(await server.exited).toBe(143);
}

function loadedPackages(output: string[]): string[] {
  const line = output.find((entry) => entry.startsWith(LOADED_PACKAGES_PREFIX));
  if (line === undefined) throw new Error(`no package list in the output:\n${output.join("\n")}`);
  return JSON.parse(line.slice(LOADED_PACKAGES_PREFIX.length)) as string[];
}

/** JSON log lines at warn or above, and anything on stdout that is neither JSON nor Next's banner. */
function warnings(output: string[]): string[] {
  return output.filter((line) => {
    if (line.startsWith(LOADED_PACKAGES_PREFIX)) return false;
    if (!line.startsWith("{")) return !/^(\s*▲ Next\.js|\s*- (Local|Network):|\s*✓ )/.test(line);
    const { level } = JSON.parse(line) as { level?: string };
    return level !== "info";
  });
}

function descendsFrom(span: ReceivedSpan, ancestor: ReceivedSpan, spans: ReceivedSpan[]): boolean {
  for (let current: ReceivedSpan | undefined = span; current !== undefined;) {
    if (current.parentSpanId === ancestor.spanId) return true;
    const parentId: string = current.parentSpanId;
    current = spans.find((candidate) => candidate.spanId === parentId);
  }
  return false;
}

beforeAll(async () => {
  db = await createTestDatabase("web_telemetry");
  await migrate(db.pool);
});

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await stopAll();
  await receiver.close();
});

afterAll(async () => {
  await db.drop();
});

describe("with OTEL_EXPORTER_OTLP_ENDPOINT set in both services", () => {
  it("makes one trace of a page view: web server span → fetch → api server span → query", async () => {
    const api = await startApi({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "api",
    });
    const server = await startWeb({
      API_URL: api.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_HEADERS: `api-key=${LICENSE_KEY}`,
      OTEL_SERVICE_NAME: "web",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test,service.version=sha256:feed",
    });
    const page = await fetch(server.url, { headers: THROUGH_EDGE });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("No items yet");
    // Stopped right away: only the flush at exit can deliver the spans in time.
    await stopWeb(server);
    api.child.kill("SIGTERM");
    expect(await api.exited).toBe(0);

    const { spans } = receiver;
    const ofService = (name: string) =>
      spans.filter((span) => span.resource["service.name"] === name);
    const page_ = ofService("web").find(
      (span) => span.kind === SPAN_KIND.server && span.attributes["http.route"] === "/",
    );
    expect(page_).toMatchObject({
      name: "GET /",
      resource: { "deployment.environment.name": "test", "service.version": "sha256:feed" },
    });
    if (page_ === undefined) throw new Error("no server span of the web");

    // The web's call to the api: undici's client span under Next's fetch span, in the page's trace.
    const call = ofService("web").find(
      (span) => span.kind === SPAN_KIND.client && span.scope.includes("instrumentation-undici"),
    );
    expect(call?.attributes["url.full"]).toBe(`${api.url}/items?limit=50`);
    if (call === undefined) throw new Error("no client span of the call to the api");
    expect(descendsFrom(call, page_, spans)).toBe(true);

    // The api received the traceparent of that call: its server span is the call's child.
    const apiServer = ofService("api").find((span) => span.name === "GET /items");
    expect(apiServer).toMatchObject({
      kind: SPAN_KIND.server,
      traceId: page_.traceId,
      parentSpanId: call.spanId,
    });
    if (apiServer === undefined) throw new Error("no server span of the api");
    const query = ofService("api").find((span) => span.name.startsWith("pg.query"));
    expect(query !== undefined && descendsFrom(query, apiServer, spans)).toBe(true);

    // Every span of the web belongs to a request: Next's start-up and module loading start none.
    const webRoots = ofService("web").filter((span) => span.parentSpanId === "");
    expect(webRoots.every((span) => span.kind === SPAN_KIND.server)).toBe(true);
    expect(new Set(ofService("web").map((span) => span.traceId))).toEqual(new Set([page_.traceId]));

    // Metrics: the web's own route, and its calls to the api.
    const webMetrics = receiver.metrics.filter(
      (metric) => metric.resource["service.name"] === "web",
    );
    expect(
      webMetrics.find((metric) => metric.name === "http.server.request.duration"),
    ).toMatchObject({
      type: "histogram",
      temporality: 1,
      points: [
        { "http.request.method": "GET", "http.route": "/", "http.response.status_code": 200 },
      ],
    });
    expect(webMetrics.map((metric) => metric.name)).toContain("http.client.request.duration");

    // The web's exports carry its headers; its logs never do.
    const fromWeb = receiver.requests.filter(
      (request) => request.headers["api-key"] === LICENSE_KEY,
    );
    expect(fromWeb.map((request) => request.path).sort()).toEqual(["/v1/metrics", "/v1/traces"]);
    expect(server.output.join("\n")).not.toContain(LICENSE_KEY);
    expect(server.output).toContainEqual(
      expect.stringContaining('"msg":"exporting traces and metrics over OTLP"'),
    );
    expect(warnings(server.output)).toEqual([]);
    expect(loadedPackages(server.output)).toContain("require-in-the-middle");
  });
});

describe("without OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("sends the api no trace context, loads no instrumentation, exports and warns nothing", async () => {
    // A stand-in api that records what the web sends it.
    const received: IncomingHttpHeaders[] = [];
    const stub = createServer((request, response) => {
      received.push(request.headers);
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ items: [], nextCursor: null }));
    });
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = stub.address() as AddressInfo;
      const server = await startWeb({
        API_URL: `http://127.0.0.1:${String(port)}`,
        // Everything but the endpoint, as a stack without a backend might leave it.
        OTEL_EXPORTER_OTLP_HEADERS: `api-key=${LICENSE_KEY}`,
        OTEL_SERVICE_NAME: "web",
      });
      const page = await fetch(server.url, { headers: THROUGH_EDGE });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("No items yet");
      await stopWeb(server);

      expect(received).toHaveLength(1);
      expect(received[0]).not.toHaveProperty("traceparent");
      expect(received[0]).toHaveProperty("x-request-id");
      expect(receiver.requests).toEqual([]);
      expect(warnings(server.output)).toEqual([]);
      const packages = loadedPackages(server.output);
      expect(packages).toContain("next");
      expect(packages.filter((name) => name.includes("in-the-middle"))).toEqual([]);
    } finally {
      await new Promise((resolve) => stub.close(resolve));
    }
  });
});
