// What the drill starts, and how: the one place that lists the sample services for it. Each is
// run as its image runs it (NODE_ENV=production, the production entry, the origin lock on), on
// loopback, against the drill's database. The drill lives beside the samples, not in tools/: its
// load speaks their HTTP surfaces (the api's items, the web's page and form), so it is a harness
// of these services rather than of the platform, which names no service outside its catalog.
import path from "node:path";
import { WORKER_READY_MESSAGE } from "../local.ts";

const repository = path.join(import.meta.dirname, "../..");

/** Where everything is, for a service's environment. */
export interface DrillEnvironment {
  /** The database the service uses (the drill's own, or a proxy in front of DATABASE_URL). */
  databaseUrl: string;
  /** The loopback port this service listens on. */
  port: number;
  /** The origin lock's secret: every request the drill sends carries it, as the edge's would. */
  originLock: string;
  /** The base URL of another service of the drill, e.g. `urlOf("api")`. */
  urlOf(name: string): string;
}

export interface DrillService {
  name: string;
  /** `node <entry>` is the process, started in `cwd`. */
  entry: string;
  cwd: string;
  /**
   * Ready once it answers 200 on `path` (through the origin lock), or, a worker, once it logs
   * `message`. Services are started in list order, each once the previous one is ready.
   */
  readyWhen: { path: string } | { message: string };
  /** What the drill changes from the service's production settings, and why (for the report). */
  drillSettings: readonly string[];
  /** How to make `entry` when it is missing (a build step). */
  buildHint?: string;
  env(context: DrillEnvironment): Record<string, string>;
}

/** The services of the platform as the drill runs them, in start order. */
export function drillServices(): readonly DrillService[] {
  const api = path.join(repository, "services/api");
  const web = path.join(repository, "services/web");
  const processor = path.join(repository, "services/processor");
  return [
    {
      name: "api",
      entry: path.join(api, "src/server.ts"),
      cwd: api,
      readyWhen: { path: "/readyz" },
      drillSettings: [],
      env: (context) => ({
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(context.port),
        DATABASE_URL: context.databaseUrl,
        ORIGIN_LOCK_SECRETS: context.originLock,
      }),
    },
    {
      name: "web",
      // The image's CMD: the standalone server's entry (scripts/finish-standalone.ts puts it there).
      entry: path.join(web, ".next/standalone/services/web/server/main.ts"),
      cwd: web,
      readyWhen: { path: "/readyz" },
      // Every form post of the drill comes from one address; the per-client limit (30 a minute)
      // would answer most of them 429 and measure the limiter instead of the platform.
      drillSettings: ["FORM_POSTS_PER_MINUTE=10000 (all the drill's posts share one address)"],
      buildHint: "pnpm --filter @platform/web build",
      env: (context) => ({
        NODE_ENV: "production",
        NEXT_TELEMETRY_DISABLED: "1",
        HOSTNAME: "127.0.0.1",
        PORT: String(context.port),
        API_URL: context.urlOf("api"),
        ORIGIN_LOCK_SECRETS: context.originLock,
        FORM_POSTS_PER_MINUTE: "10000",
      }),
    },
    {
      name: "processor",
      // The worker that processes each new item: the drill checks that every saved item was
      // processed in the end, database restart included (report.ts, `checks`).
      entry: path.join(processor, "src/main.ts"),
      cwd: processor,
      readyWhen: { message: WORKER_READY_MESSAGE },
      // A job whose attempt met the stopped database is retried after its backoff (5 s, doubling),
      // and one claimed as the database stopped waits out its lease (60 s): shorter ones let the
      // short drill see every item processed within its wait (report.ts, PROCESSING_BOUND_SECONDS).
      drillSettings: [
        "WORKER_RETRY_BASE_MS=500, WORKER_LEASE_SECONDS=5 (retries within the drill's wait after the load)",
      ],
      env: (context) => ({
        NODE_ENV: "production",
        DATABASE_URL: context.databaseUrl,
        WORKER_RETRY_BASE_MS: "500",
        WORKER_LEASE_SECONDS: "5",
      }),
    },
  ];
}
