// The short fault drill, as `pnpm drill --short` runs it: the api and the web's production build on
// a PostgreSQL server of the drill's own, under load, through a PostgreSQL restart, a SIGKILL of
// the api and a locked table. What it must show: no acknowledged write lost, every error a clean
// refusal, recovery within the bound, and each fault actually felt.
import { beforeAll, describe, expect, it } from "vitest";
import { type DrillReport, jsonReport, runDrill, SHORT } from "../../services/drill/drill.ts";
import { RECOVERY_BOUNDS } from "../../services/drill/report.ts";
import { renderReport } from "../../services/drill/render.ts";

let report: DrillReport;
let wallSeconds: number;

beforeAll(async () => {
  const started = performance.now();
  // Always a throwaway server: stopping the suite's shared TEST_DATABASE_URL would break the others.
  report = await runDrill({ durations: SHORT, databaseUrl: undefined });
  wallSeconds = (performance.now() - started) / 1000;
  process.stdout.write(`${renderReport(report)}short drill: ${wallSeconds.toFixed(1)} s\n`);
});

const faultPhases = () => report.phases.filter((phase) => phase.faultSeconds !== null);

describe("the short drill", () => {
  it("runs every phase, each with load", () => {
    expect(report.phases.map((phase) => phase.name)).toEqual([
      "steady",
      "postgres-restart",
      "api-sigkill",
      "slow-database",
    ]);
    for (const phase of report.phases) {
      expect(phase.byTarget.api?.requests ?? 0, phase.name).toBeGreaterThan(0);
      expect(phase.byTarget.web?.requests ?? 0, phase.name).toBeGreaterThan(0);
    }
  });

  it("loses no write it acknowledged, through the api or the web's form", () => {
    expect(report.writes.lostTitles).toEqual([]);
    expect(report.writes.lost).toBe(0);
    expect(report.writes.acknowledged).toBeGreaterThan(0);
    expect(report.writes.found).toBeGreaterThanOrEqual(report.writes.acknowledged);
  });

  it("answers every request of the steady phase", () => {
    expect(report.phases[0]?.errorsByStatus).toEqual({});
  });

  it("refuses only cleanly during the faults: 503 with Retry-After, the web's degraded page", () => {
    for (const phase of faultPhases()) {
      expect(phase.unclean, phase.name).toEqual({});
    }
  });

  it("feels each fault: refusals while PostgreSQL is down, the api gone, the table locked", () => {
    for (const phase of faultPhases()) {
      expect(Object.keys(phase.errorsByStatus).length, phase.name).toBeGreaterThan(0);
    }
    // The lock outlasts the api's 2 s query bound, and the bound holds: no api request waits for
    // the lock to end (3 s), none for long beyond the bound.
    const slow = report.phases.find((phase) => phase.name === "slow-database");
    expect(slow?.errorsByStatus["503"] ?? 0).toBeGreaterThan(0);
    expect(slow?.byTarget.api?.maxMs ?? 0).toBeGreaterThanOrEqual(1_900);
    expect(slow?.byTarget.api?.maxMs ?? Infinity).toBeLessThan(2_900);
  });

  it("recovers in time: 5 s after a database fault (the api's Retry-After), 10 s after a restart (App Platform's first health check)", () => {
    const bounds = Object.fromEntries(
      faultPhases().map((phase) => [phase.name, phase.recoveryBoundSeconds]),
    );
    expect(bounds).toEqual({
      "postgres-restart": RECOVERY_BOUNDS.database,
      "api-sigkill": RECOVERY_BOUNDS.process,
      "slow-database": RECOVERY_BOUNDS.database,
    });
    for (const phase of faultPhases()) {
      expect(phase.recoverySeconds, phase.name).not.toBeNull();
      expect(phase.recoverySeconds ?? Infinity, phase.name).toBeLessThanOrEqual(
        phase.recoveryBoundSeconds ?? 0,
      );
    }
    expect(report.checks.filter((check) => !check.passed)).toEqual([]);
  });

  it("prints exactly the issue's object with --json", () => {
    const json = jsonReport(report);
    expect(Object.keys(json)).toEqual([
      "acknowledgedWrites",
      "foundWrites",
      "lostWrites",
      "phases",
    ]);
    for (const phase of json.phases) {
      expect(Object.keys(phase)).toEqual([
        "name",
        "requests",
        "errorsByStatus",
        "p50Ms",
        "p99Ms",
        "recoverySeconds",
      ]);
    }
    expect(json.acknowledgedWrites).toBe(report.writes.acknowledged);
    expect(json.lostWrites).toBe(0);
  });

  it("stays well under a minute", () => {
    expect(wallSeconds).toBeLessThan(50);
  });
});
