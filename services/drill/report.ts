// From samples to the drill's report: per phase the requests, errors by status, latency and the
// time to recover once the fault ended; over the run the writes acknowledged and found; and the
// checks the drill holds the platform to.
import type { Sample } from "./load.ts";

/**
 * The longest a recovery may take, by what failed:
 * - the database (down, or locked): the api stays up and answers 503 with `Retry-After: 5`
 *   (services/api/src/app.ts); a client that waits as it is told must find the service back;
 * - the api's process: a new one must serve before App Platform first checks its health, 10 s
 *   after it starts (`HEALTH_CHECK.initialDelaySeconds`, infra/compute/app-spec.ts), or it fails.
 */
export const RECOVERY_BOUNDS = { database: 5, process: 10 } as const;

/** One phase of the run, on the drill's clock. */
export interface PhaseWindow {
  name: string;
  description: string;
  startedAt: number;
  endedAt: number;
  /** When the fault was on, and how soon after its end the service must be back; absent for the steady phase. */
  fault?: { startedAt: number; endedAt: number; recoveryBoundSeconds: number };
  /**
   * The service whose only process the fault took away: its clients' connections are refused or
   * reset (nobody is left to answer), which is the one refusal besides a 503 they can meet.
   */
  processGone?: string;
}

export interface TargetFigures {
  requests: number;
  errors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PhaseReport {
  name: string;
  description: string;
  requests: number;
  errorsByStatus: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  /** The slowest request: what the timeouts bound. */
  maxMs: number;
  /** Null for the steady phase (no fault), and when the phase ended before it recovered. */
  recoverySeconds: number | null;
  faultSeconds: number | null;
  /** Null for the steady phase. */
  recoveryBoundSeconds: number | null;
  byTarget: Record<string, TargetFigures>;
  /** Errors that are not a clean refusal, by target and outcome. */
  unclean: Record<string, number>;
}

export interface WritesReport {
  acknowledged: number;
  found: number;
  lost: number;
  /** Saved although the client was not told so (a request cut off after its commit). */
  unacknowledgedFound: number;
  /** The first few lost titles, for whoever investigates. */
  lostTitles: string[];
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

const round = (value: number, digits: number) => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

function latencies(samples: readonly Sample[]) {
  const sorted = samples.map((s) => s.endedAt - s.startedAt).sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50), 1),
    p99Ms: round(percentile(sorted, 99), 1),
    maxMs: round(sorted.at(-1) ?? 0, 1),
  };
}

/**
 * A clean refusal: the api's 503 with a Retry-After (a positive number of seconds); the web's page
 * telling the user the data cannot be shown or the item was not saved, and to try again
 * (`200 degraded`); and, when the service's only process is gone, a refused or reset connection.
 */
export function isCleanError(sample: Sample, processGone: string | undefined): boolean {
  if (sample.outcome === "503") return /^[1-9]\d*$/.test(sample.retryAfter ?? "");
  if (sample.target === "web" && sample.outcome === "200 degraded") return true;
  return sample.target === processGone && ["ECONNREFUSED", "ECONNRESET"].includes(sample.outcome);
}

/**
 * Seconds from the fault's end until the service answered and kept answering: the end of the
 * first successful request started after the fault ended and after the last failed request began.
 * Null when no such request came before the phase ended.
 */
export function recoverySeconds(samples: readonly Sample[], faultEndedAt: number): number | null {
  const lastErrorStart = Math.max(
    -Infinity,
    ...samples.filter((s) => s.outcome !== "ok").map((s) => s.startedAt),
  );
  const recovered = samples
    .filter(
      (s) => s.outcome === "ok" && s.startedAt >= faultEndedAt && s.startedAt > lastErrorStart,
    )
    .reduce<number | undefined>((first, s) => Math.min(first ?? Infinity, s.endedAt), undefined);
  return recovered === undefined ? null : round(Math.max(0, recovered - faultEndedAt) / 1000, 2);
}

function countBy(samples: readonly Sample[], key: (s: Sample) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) counts[key(sample)] = (counts[key(sample)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function phaseReport(window: PhaseWindow, all: readonly Sample[]): PhaseReport {
  const samples = all.filter(
    (s) => s.startedAt >= window.startedAt && s.startedAt < window.endedAt,
  );
  const errors = samples.filter((s) => s.outcome !== "ok");
  const seconds = (window.endedAt - window.startedAt) / 1000;
  const targets = [...new Set(samples.map((s) => s.target))].sort();
  const byTarget = Object.fromEntries(
    targets.map((target) => {
      const mine = samples.filter((s) => s.target === target);
      return [
        target,
        {
          requests: mine.length,
          errors: mine.filter((s) => s.outcome !== "ok").length,
          requestsPerSecond: round(mine.length / seconds, 1),
          ...latencies(mine),
        },
      ];
    }),
  );
  return {
    name: window.name,
    description: window.description,
    requests: samples.length,
    errorsByStatus: countBy(errors, (s) => s.outcome),
    ...latencies(samples),
    recoverySeconds:
      window.fault === undefined ? null : recoverySeconds(samples, window.fault.endedAt),
    faultSeconds:
      window.fault === undefined
        ? null
        : round((window.fault.endedAt - window.fault.startedAt) / 1000, 2),
    recoveryBoundSeconds: window.fault?.recoveryBoundSeconds ?? null,
    byTarget,
    unclean: countBy(
      errors.filter((s) => !isCleanError(s, window.processGone)),
      (s) => `${s.target} ${s.outcome}${s.outcome === "503" ? " without Retry-After" : ""}`,
    ),
  };
}

export function writesReport(samples: readonly Sample[], found: ReadonlySet<string>): WritesReport {
  const acknowledged = samples.flatMap((s) =>
    s.acknowledged === undefined ? [] : [s.acknowledged],
  );
  const lost = acknowledged.filter((title) => !found.has(title));
  return {
    acknowledged: acknowledged.length,
    found: found.size,
    lost: lost.length,
    unacknowledgedFound: found.size - (acknowledged.length - lost.length),
    lostTitles: lost.slice(0, 5),
  };
}

/** What the drill holds the platform to; every check must pass. */
/** Items of the run the worker had processed when the drill stopped waiting for it. */
export interface ProcessingReport {
  saved: number;
  processed: number;
  waitedSeconds: number;
}

/**
 * How long after the load the worker may take to process every saved item: a job cut off by a
 * fault waits out the drill's 5 s lease, then retries back off 0.5, 1, 2 and 4 s; twice that is
 * room for the queue the load left behind.
 */
export const PROCESSING_BOUND_SECONDS = 25;

function processingCheck(processing: ProcessingReport): Check {
  const unprocessed = processing.saved - processing.processed;
  return {
    name: `every saved item processed by the worker within ${String(PROCESSING_BOUND_SECONDS)} s of the load's end`,
    passed: unprocessed === 0,
    detail:
      unprocessed === 0
        ? `${String(processing.saved)} items, all processed after ${String(processing.waitedSeconds)} s`
        : `${String(unprocessed)} of ${String(processing.saved)} saved items unprocessed after ${String(processing.waitedSeconds)} s (their jobs: SELECT state, attempts, last_error FROM jobs)`,
  };
}

export function checks(
  phases: readonly PhaseReport[],
  writes: WritesReport,
  processing?: ProcessingReport,
): Check[] {
  const faulted = phases.filter((phase) => phase.faultSeconds !== null);
  const steady = phases.filter((phase) => phase.faultSeconds === null);
  const unclean = phases.flatMap((phase) =>
    Object.entries(phase.unclean).map(([what, count]) => `${phase.name}: ${what} x${count}`),
  );
  const slow = faulted.filter(
    (phase) =>
      phase.recoverySeconds === null ||
      phase.recoverySeconds > (phase.recoveryBoundSeconds ?? Infinity),
  );
  const unfelt = faulted.filter((phase) => Object.keys(phase.errorsByStatus).length === 0);
  const steadyErrors = steady.filter((phase) => Object.keys(phase.errorsByStatus).length > 0);
  return [
    {
      name: "nothing acknowledged was lost",
      passed: writes.lost === 0,
      detail:
        writes.lost === 0
          ? `${writes.acknowledged} writes acknowledged, all found`
          : `${writes.lost} of ${writes.acknowledged} acknowledged writes are not in the database (${writes.lostTitles.join(", ")})`,
    },
    {
      name: "every error was a clean refusal",
      passed: unclean.length === 0,
      detail:
        unclean.length === 0
          ? "503 with Retry-After from the api, the degraded page from the web, refused connections only while the api's process was gone"
          : unclean.join("; "),
    },
    {
      name: `recovered in time: within ${String(RECOVERY_BOUNDS.database)} s of a database fault's end, ${String(RECOVERY_BOUNDS.process)} s of a process restart`,
      passed: slow.length === 0,
      detail:
        slow.length === 0
          ? faulted
              .map(
                (phase) =>
                  `${phase.name} ${String(phase.recoverySeconds)} s (of ${String(phase.recoveryBoundSeconds)})`,
              )
              .join(", ")
          : slow
              .map(
                (phase) =>
                  `${phase.name}: ${phase.recoverySeconds === null ? "not recovered before the phase ended" : `${String(phase.recoverySeconds)} s`} (bound ${String(phase.recoveryBoundSeconds)} s)`,
              )
              .join("; "),
    },
    {
      name: "every fault was felt",
      passed: unfelt.length === 0,
      detail:
        unfelt.length === 0
          ? "each fault phase saw refusals, so the fault took effect"
          : `no request failed during ${unfelt.map((phase) => phase.name).join(", ")}: the fault did not take effect`,
    },
    {
      name: "the steady phase answered every request",
      passed: steadyErrors.length === 0,
      detail:
        steadyErrors.length === 0
          ? "no error without a fault"
          : steadyErrors
              .map((phase) => `${phase.name}: ${JSON.stringify(phase.errorsByStatus)}`)
              .join("; "),
    },
    ...(processing === undefined ? [] : [processingCheck(processing)]),
  ];
}
