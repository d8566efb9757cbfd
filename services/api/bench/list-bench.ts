// Throughput and latency of GET /items (20 items a page) against real PostgreSQL: the api and the
// floor (bench/floor-server.ts) side by side in one run, alternating, on loopback only.
//
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres node bench/list-bench.ts
//   options (environment): BENCH_DURATION_S (default 8), BENCH_CONNECTIONS (32), BENCH_ROUNDS (2),
//   BENCH_TELEMETRY=1 (also the api with OpenTelemetry on, exporting to a sink on loopback)
//
// The api runs as in production (`node src/server.ts`, LOG_LEVEL=info, one JSON line per request,
// written to /dev/null). Prints a table and the api/floor throughput ratio; the goal is >= 0.8.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { migrate } from "../src/migrations.ts";

const apiRoot = path.join(import.meta.dirname, "..");
const durationS = Number(process.env.BENCH_DURATION_S ?? "8");
const connections = Number(process.env.BENCH_CONNECTIONS ?? "32");
const rounds = Number(process.env.BENCH_ROUNDS ?? "2");
const withTelemetry = process.env.BENCH_TELEMETRY === "1";
const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.BENCH_DATABASE_URL;
if (adminUrl === undefined || adminUrl === "") {
  throw new Error("set TEST_DATABASE_URL (services/test-postgres.sh start)");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Under NODE_ENV=production the api refuses to start without the origin lock's secrets, and then
// answers only requests that carry one, as the edge's do: the benchmark sends it to both servers
// (the floor ignores it).
const originLock = randomBytes(24).toString("hex");
const throughEdge = { "x-origin-lock": originLock };

async function waitForOk(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (
    !(await fetch(url, { headers: throughEdge }).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Measurement {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(url: string, seconds: number): Promise<Measurement> {
  const result = await autocannon({ url, connections, duration: seconds, headers: throughEdge });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const name = `api_bench_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const databaseUrl = new URL(adminUrl);
databaseUrl.pathname = `/${name}`;
const pool = new pg.Pool({ connectionString: databaseUrl.toString(), max: 2 });
const children: ChildProcess[] = [];
const closers: (() => void)[] = [];
type Target = "floor" | "api" | "otel";

try {
  await migrate(pool);
  await pool.query(
    `INSERT INTO items (title, status)
     SELECT 'benchmark item ' || n, (ARRAY['todo', 'doing', 'done'])[1 + n % 3]
       FROM generate_series(1, 1000) AS n`,
  );
  await pool.query("ANALYZE items");

  const devNull = openSync("/dev/null", "w");
  const start = async (script: string, extraEnv: Record<string, string>) => {
    const port = await freePort();
    const child = spawn(process.execPath, [script], {
      cwd: apiRoot,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        ORIGIN_LOCK_SECRETS: originLock,
        DATABASE_URL: databaseUrl.toString(),
        DATABASE_POOL_MAX: "10",
        HOST: "127.0.0.1",
        PORT: String(port),
        ...extraEnv,
      },
      stdio: ["ignore", devNull, "inherit"],
    });
    children.push(child);
    const base = `http://127.0.0.1:${String(port)}`;
    await waitForOk(`${base}${script.includes("floor") ? "/items" : "/readyz"}`);
    return `${base}/items?limit=20`;
  };

  // Stands in for the OTLP backend: accepts every export, as fast as loopback allows.
  const sink = createHttpServer((request, response) => {
    request.resume().on("end", () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const sinkUrl = `http://127.0.0.1:${String((sink.address() as AddressInfo).port)}`;
  closers.push(() => sink.close());

  const targets: Partial<Record<Target, string>> = {
    floor: await start("bench/floor-server.ts", {}),
    api: await start("src/server.ts", { LOG_LEVEL: "info" }),
  };
  if (withTelemetry) {
    targets.otel = await start("src/server.ts", {
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    });
  }

  const names = Object.keys(targets) as Target[];
  const results: Record<Target, Measurement[]> = { floor: [], api: [], otel: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const target of names) {
      const url = targets[target] ?? "";
      await load(url, 2); // warm-up: JIT, pool connections, plan cache
      const measured = await load(url, durationS);
      results[target].push(measured);
      console.log(
        `round ${String(round)} ${target.padEnd(5)} ${measured.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${String(measured.p50).padStart(3)} ms  p99 ${String(measured.p99).padStart(3)} ms  errors ${String(measured.errors)}`,
      );
    }
  }

  const summary = (target: Target) => ({
    requestsPerSecond: median(results[target].map((m) => m.requestsPerSecond)),
    p99: median(results[target].map((m) => m.p99)),
    errors: results[target].reduce((sum, m) => sum + m.errors, 0),
  });
  const floor = summary("floor");
  const api = summary("api");
  const ratio = api.requestsPerSecond / floor.requestsPerSecond;
  console.log(
    `\nGET /items?limit=20, ${String(connections)} connections, ${String(durationS)} s x ${String(rounds)} rounds each (medians)`,
  );
  console.log(
    `  floor (node:http + pg)  ${floor.requestsPerSecond.toFixed(0).padStart(7)} req/s   p99 ${String(floor.p99)} ms   errors ${String(floor.errors)}`,
  );
  console.log(
    `  api   (fastify + zod)   ${api.requestsPerSecond.toFixed(0).padStart(7)} req/s   p99 ${String(api.p99)} ms   errors ${String(api.errors)}`,
  );
  console.log(
    `  api / floor throughput  ${ratio.toFixed(2)}x  (goal >= 0.80x: ${ratio >= 0.8 ? "met" : "NOT met"})`,
  );
  if (withTelemetry) {
    const otel = summary("otel");
    console.log(
      `  api with OpenTelemetry  ${otel.requestsPerSecond.toFixed(0).padStart(7)} req/s   p99 ${String(otel.p99)} ms   errors ${String(otel.errors)}   (${(otel.requestsPerSecond / api.requestsPerSecond).toFixed(2)}x the api without)`,
    );
  }
} finally {
  for (const close of closers) close();
  for (const child of children) child.kill("SIGTERM");
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
