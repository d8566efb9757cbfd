// The fault drill: the platform's services on a real PostgreSQL, a bounded load of reads and writes
// through the api and the web, and one fault at a time, each phase measured. Returns the report;
// services/drill/cli.ts prints it and test/drill runs the short form.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { type Load, type Sample, keepAliveAgent, startLoad, type Worker } from "./load.ts";
import { type DrillDatabase, proxiedPostgres, throwawayPostgres } from "./postgres.ts";
import { freePort } from "../web/test/support/servers.ts";
import { type RunningProcess, startProcess } from "./processes.ts";
import {
  type Check,
  checks,
  type PhaseReport,
  type PhaseWindow,
  phaseReport,
  RECOVERY_BOUNDS,
  recoverySeconds,
  type TargetFigures,
  type WritesReport,
  PROCESSING_BOUND_SECONDS,
  type ProcessingReport,
  writesReport,
} from "./report.ts";
import { drillServices } from "./services.ts";
import { apiWorker, ORIGIN_LOCK_HEADER, readWorker, titleSource, webWorker } from "./workload.ts";

/** Seconds each part of a phase lasts. */
export interface Durations {
  /** Load before the first phase, unmeasured: JIT compilation, pools filling, Next's caches. */
  warmup: number;
  steady: number;
  /** Load before each fault, so the phase shows the service answering first. */
  lead: number;
  /** How long PostgreSQL stays down. */
  outage: number;
  /** How long the lock is held: longer than the api's 2 s query bound, so the bound shows. */
  lock: number;
  /**
   * Load after the service is back from each fault (or its recovery bound has passed without it),
   * showing that it stays back. The wait for recovery comes first and is as long as it takes.
   */
  tail: number;
  /** Each side of the reads-only comparison with the floor; 0 skips it. */
  comparison: number;
}

export const FULL: Durations = {
  warmup: 5,
  steady: 20,
  lead: 5,
  outage: 10,
  lock: 10,
  tail: 15,
  comparison: 15,
};

/** Well under a minute in all, for `pnpm test`; each fault still outlasts every bound it tests. */
export const SHORT: Durations = {
  warmup: 2,
  steady: 3,
  lead: 1,
  outage: 2,
  lock: 3,
  tail: 2,
  comparison: 0,
};

/** Workers per target: what two shared cores hold beside the services and PostgreSQL. */
export const WORKERS = { api: 4, web: 2 } as const;

export interface DrillOptions {
  durations: Durations;
  /** A server to work on (through a proxy) instead of a throwaway one. */
  databaseUrl?: string | undefined;
  /** Progress lines, as the drill goes. */
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface Comparison {
  /** The same list reads, from the same number of workers, against each. */
  floor: TargetFigures;
  api: TargetFigures;
  workers: number;
  seconds: number;
}

export interface DrillReport {
  database: string;
  services: string[];
  drillSettings: string[];
  workers: typeof WORKERS;
  durations: Durations;
  phases: PhaseReport[];
  writes: WritesReport;
  /** How far the worker got with the run's items; undefined when the drill runs none. */
  processing: ProcessingReport | undefined;
  comparison: Comparison | undefined;
  checks: Check[];
  /** The services' logs, kept when a check failed. */
  logDirectory: string | undefined;
}

/** What `--json` prints: exactly the object the issue specifies. */
export function jsonReport(report: DrillReport) {
  return {
    acknowledgedWrites: report.writes.acknowledged,
    foundWrites: report.writes.found,
    lostWrites: report.writes.lost,
    phases: report.phases.map((phase) => ({
      name: phase.name,
      requests: phase.requests,
      errorsByStatus: phase.errorsByStatus,
      p50Ms: phase.p50Ms,
      p99Ms: phase.p99Ms,
      recoverySeconds: phase.recoverySeconds,
    })),
  };
}

export class DrillSetupError extends Error {}

function checkBuilt(): void {
  for (const service of drillServices()) {
    if (!existsSync(service.entry)) {
      throw new DrillSetupError(
        `${service.name}: ${service.entry} is missing. Build it first: ${service.buildHint ?? "pnpm build"}`,
      );
    }
  }
}

async function titlesIn(databaseUrl: string, run: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ title: string }>(
      "SELECT title FROM items WHERE title LIKE $1",
      [`drill-${run}-%`],
    );
    return new Set(rows.map((row) => row.title));
  } finally {
    await client.end();
  }
}

/**
 * Waits (up to PROCESSING_BOUND_SECONDS) until the worker has processed every item of the run
 * that is in the database, and says how far it got.
 */
async function processingOf(databaseUrl: string, run: string): Promise<ProcessingReport> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const started = performance.now();
  try {
    for (;;) {
      const { rows } = await client.query<{ saved: number; processed: number }>(
        "SELECT count(*)::int AS saved, count(processed_at)::int AS processed FROM items WHERE title LIKE $1",
        [`drill-${run}-%`],
      );
      const { saved = 0, processed = 0 } = rows[0] ?? {};
      const waited = (performance.now() - started) / 1000;
      if (processed >= saved || waited >= PROCESSING_BOUND_SECONDS) {
        return { saved, processed, waitedSeconds: Math.round(waited * 10) / 10 };
      }
      await sleep(250);
    }
  } finally {
    await client.end();
  }
}

/** Holds an exclusive lock on the items table until released: every query on it waits. */
async function lockItems(databaseUrl: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  await client.query("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
  return async () => {
    await client.query("ROLLBACK");
    await client.end();
  };
}

function figures(samples: readonly Sample[], target: string, from: number, to: number) {
  const window: PhaseWindow = { name: target, description: "", startedAt: from, endedAt: to };
  return (
    phaseReport(window, samples).byTarget[target] ?? {
      requests: 0,
      errors: 0,
      requestsPerSecond: 0,
      p50Ms: 0,
      p99Ms: 0,
      maxMs: 0,
    }
  );
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const { durations, signal } = options;
  const progress = options.progress ?? (() => undefined);
  const wait = (seconds: number) => sleep(seconds * 1000, undefined, { signal });
  checkBuilt();

  const run = randomBytes(4).toString("hex");
  const originLock = randomBytes(24).toString("hex");
  const lockHeaders = { [ORIGIN_LOCK_HEADER]: originLock };
  const logDirectory = mkdtempSync(path.join(tmpdir(), "platform-drill-logs-"));
  const processes = new Map<string, RunningProcess>();
  let database: DrillDatabase | undefined;
  let load: Load | undefined;
  let keepLogs = true;

  try {
    database =
      options.databaseUrl === undefined
        ? await throwawayPostgres()
        : await proxiedPostgres(options.databaseUrl);
    progress(`database: ${database.description}`);

    const services = drillServices();
    const ports = new Map(
      await Promise.all(services.map(async (s) => [s.name, await freePort()] as const)),
    );
    const urlOf = (name: string) => `http://127.0.0.1:${String(ports.get(name))}`;
    for (const service of services) {
      const port = ports.get(service.name) ?? 0;
      const running = startProcess(
        {
          name: service.name,
          entry: service.entry,
          cwd: service.cwd,
          port,
          readyWhen: service.readyWhen,
          headers: lockHeaders,
          env: service.env({ databaseUrl: database.url, port, originLock, urlOf }),
        },
        logDirectory,
      );
      processes.set(service.name, running);
      await running.ready();
      progress(`${service.name}: ready at ${running.url}`);
    }
    const api = processes.get("api");
    const web = processes.get("web");
    if (api === undefined || web === undefined) {
      throw new DrillSetupError("the drill's load needs an api and a web among the services");
    }

    const nextTitle = titleSource(run);
    const apiTarget = { url: api.url, agent: keepAliveAgent(WORKERS.api), headers: lockHeaders };
    const webTarget = { url: web.url, agent: keepAliveAgent(WORKERS.web), headers: lockHeaders };
    const workers: Worker[] = [
      ...Array.from({ length: WORKERS.api }, () => apiWorker(apiTarget, nextTitle)),
      ...Array.from({ length: WORKERS.web }, () => webWorker(webTarget, nextTitle)),
    ];
    const now = () => performance.now();
    load = startLoad(workers, now);
    const { samples } = load;
    const windows: PhaseWindow[] = [];

    const phase = async (
      window: Pick<PhaseWindow, "name" | "description" | "processGone">,
      fault?: {
        begin: () => Promise<unknown>;
        end: () => Promise<unknown>;
        seconds: number;
        recoveryBoundSeconds: number;
      },
    ) => {
      progress(`phase ${window.name}: ${window.description}`);
      const startedAt = now();
      if (fault === undefined) {
        await wait(durations.steady);
        windows.push({ ...window, startedAt, endedAt: now() });
        return;
      }
      await wait(durations.lead);
      const faultStartedAt = now();
      await fault.begin();
      await wait(fault.seconds);
      await fault.end();
      const faultEndedAt = now();
      // As long as the service takes to come back, up to its bound; then the tail.
      const ofThisPhase = () => samples.filter((sample) => sample.startedAt >= startedAt);
      while (
        recoverySeconds(ofThisPhase(), faultEndedAt) === null &&
        now() - faultEndedAt < fault.recoveryBoundSeconds * 1000
      ) {
        await wait(0.1);
      }
      await wait(durations.tail);
      windows.push({
        ...window,
        startedAt,
        endedAt: now(),
        fault: {
          startedAt: faultStartedAt,
          endedAt: faultEndedAt,
          recoveryBoundSeconds: fault.recoveryBoundSeconds,
        },
      });
    };

    progress(`warming up for ${String(durations.warmup)} s`);
    await wait(durations.warmup);
    const db = database;
    await phase({ name: "steady", description: "no fault: the load the platform holds" });
    await phase(
      { name: db.outage.phase, description: db.outage.description },
      {
        begin: () => db.stop(),
        end: () => db.start(),
        seconds: durations.outage,
        recoveryBoundSeconds: RECOVERY_BOUNDS.database,
      },
    );
    await phase(
      {
        name: "api-sigkill",
        description: "the api's process killed with SIGKILL and started again at once",
        processGone: "api",
      },
      {
        begin: () => api.kill(),
        end: () => {
          api.restart();
          return Promise.resolve();
        },
        seconds: 0,
        recoveryBoundSeconds: RECOVERY_BOUNDS.process,
      },
    );
    let release: (() => Promise<void>) | undefined;
    await phase(
      {
        name: "slow-database",
        description: `the items table locked (ACCESS EXCLUSIVE) for ${String(durations.lock)} s: every query on it waits`,
      },
      {
        begin: async () => {
          release = await lockItems(db.directUrl);
        },
        end: () => release?.() ?? Promise.resolve(),
        seconds: durations.lock,
        recoveryBoundSeconds: RECOVERY_BOUNDS.database,
      },
    );
    await load.stop();
    load = undefined;
    progress("waiting for the worker to process every saved item");
    const processing = processes.has("processor")
      ? await processingOf(db.directUrl, run)
      : undefined;

    let comparison: Comparison | undefined;
    if (durations.comparison > 0) {
      comparison = await compareWithFloor(db.url, api, durations.comparison, lockHeaders, {
        logDirectory,
        progress,
        wait,
      });
    }

    const phases = windows.map((window) => phaseReport(window, samples));
    const writes = writesReport(samples, await titlesIn(db.directUrl, run));
    const verdict = checks(phases, writes, processing);
    keepLogs = verdict.some((check) => !check.passed);
    return {
      database: db.description,
      services: services.map((s) => s.name),
      drillSettings: services.flatMap((s) =>
        s.drillSettings.map((setting) => `${s.name}: ${setting}`),
      ),
      workers: WORKERS,
      durations,
      phases,
      writes,
      processing,
      comparison,
      checks: verdict,
      logDirectory: keepLogs ? logDirectory : undefined,
    };
  } finally {
    await load?.stop();
    await Promise.all([...processes.values()].map((running) => running.stop()));
    await database?.close();
    if (keepLogs) progress(`services' logs kept in ${logDirectory}`);
    else rmSync(logDirectory, { recursive: true, force: true });
  }
}

/**
 * The api beside the floor of services/api/bench (a bare node:http server running the api's list
 * query through pg): the same list reads from the same number of workers, one after the other.
 */
async function compareWithFloor(
  databaseUrl: string,
  api: RunningProcess,
  seconds: number,
  headers: Record<string, string>,
  context: {
    logDirectory: string;
    progress: (line: string) => void;
    wait: (seconds: number) => Promise<void>;
  },
): Promise<Comparison> {
  const apiRoot = path.join(import.meta.dirname, "../api");
  const port = await freePort();
  const floor = startProcess(
    {
      name: "floor",
      entry: path.join(apiRoot, "bench/floor-server.ts"),
      cwd: apiRoot,
      port,
      readyWhen: { path: "/items" },
      headers: {},
      env: { DATABASE_URL: databaseUrl, PORT: String(port), DATABASE_POOL_MAX: "10" },
    },
    context.logDirectory,
  );
  try {
    await floor.ready();
    const measure = async (name: string, url: string) => {
      context.progress(`comparison: list reads on the ${name} for ${String(seconds)} s`);
      const target = { url, agent: keepAliveAgent(WORKERS.api), headers };
      const now = () => performance.now();
      const load = startLoad(
        Array.from({ length: WORKERS.api }, () => readWorker(target, name)),
        now,
      );
      const from = now();
      await context.wait(seconds);
      const to = now();
      await load.stop();
      return figures(load.samples, name, from, to);
    };
    return {
      floor: await measure("floor", floor.url),
      api: await measure("api", api.url),
      workers: WORKERS.api,
      seconds,
    };
  } finally {
    await floor.stop();
  }
}
