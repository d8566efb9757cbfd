// The fault drill's judgement, on samples made by hand: what counts as a clean refusal, when a
// phase has recovered, and which checks fail. (test/drill runs the drill itself.)
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HEALTH_CHECK } from "../../infra/compute/app-spec.ts";
import type { Sample } from "../../services/drill/load.ts";
import { postgresBinaries } from "../../services/drill/postgres.ts";
import {
  checks,
  isCleanError,
  RECOVERY_BOUNDS,
  percentile,
  type PhaseReport,
  phaseReport,
  recoverySeconds,
  writesReport,
} from "../../services/drill/report.ts";
import { hiddenFields } from "../../services/drill/workload.ts";

function sample(fields: Partial<Sample> & Pick<Sample, "startedAt" | "endedAt">): Sample {
  return { target: "api", operation: "read", outcome: "ok", ...fields };
}

describe("percentile", () => {
  it("takes the nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBe(0);
  });
});

describe("isCleanError", () => {
  it.each([
    [
      "the api's 503 with Retry-After",
      sample({ startedAt: 0, endedAt: 1, outcome: "503", retryAfter: "5" }),
      undefined,
      true,
    ],
    [
      "a 503 without Retry-After",
      sample({ startedAt: 0, endedAt: 1, outcome: "503" }),
      undefined,
      false,
    ],
    [
      "a 503 with a date for Retry-After",
      sample({
        startedAt: 0,
        endedAt: 1,
        outcome: "503",
        retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT",
      }),
      undefined,
      false,
    ],
    ["a 500", sample({ startedAt: 0, endedAt: 1, outcome: "500" }), undefined, false],
    [
      "the web's degraded page",
      sample({ target: "web", startedAt: 0, endedAt: 1, outcome: "200 degraded" }),
      undefined,
      true,
    ],
    [
      "an unexpected page from the web",
      sample({ target: "web", startedAt: 0, endedAt: 1, outcome: "200 unexpected page" }),
      undefined,
      false,
    ],
    [
      "a refused connection while the api's process is gone",
      sample({ startedAt: 0, endedAt: 1, outcome: "ECONNREFUSED" }),
      "api",
      true,
    ],
    [
      "a refused connection otherwise",
      sample({ startedAt: 0, endedAt: 1, outcome: "ECONNREFUSED" }),
      undefined,
      false,
    ],
    [
      "a refused connection to the web while the api is gone",
      sample({ target: "web", startedAt: 0, endedAt: 1, outcome: "ECONNREFUSED" }),
      "api",
      false,
    ],
    ["a client timeout", sample({ startedAt: 0, endedAt: 1, outcome: "timeout" }), "api", false],
  ])("%s: %s", (_name, given, processGone, clean) => {
    expect(isCleanError(given, processGone)).toBe(clean);
  });
});

describe("recoverySeconds", () => {
  const faultEnd = 10_000;

  it("is how long after the fault's end the first request that kept succeeding answered", () => {
    const samples = [
      sample({ startedAt: 9_000, endedAt: 9_010, outcome: "503", retryAfter: "5" }),
      sample({ startedAt: 10_100, endedAt: 10_110, outcome: "503", retryAfter: "5" }),
      sample({ startedAt: 10_200, endedAt: 10_250 }),
      sample({ startedAt: 10_300, endedAt: 10_310 }),
    ];
    expect(recoverySeconds(samples, faultEnd)).toBe(0.25);
  });

  it("does not count a success followed by another failure", () => {
    const samples = [
      sample({ startedAt: 10_050, endedAt: 10_060 }),
      sample({ startedAt: 11_000, endedAt: 11_500, outcome: "503", retryAfter: "5" }),
      sample({ startedAt: 12_000, endedAt: 12_040 }),
    ];
    expect(recoverySeconds(samples, faultEnd)).toBe(2.04);
  });

  it("is null when nothing succeeded after the last failure", () => {
    const samples = [
      sample({ startedAt: 10_050, endedAt: 10_060 }),
      sample({ startedAt: 11_000, endedAt: 11_500, outcome: "ECONNREFUSED" }),
    ];
    expect(recoverySeconds(samples, faultEnd)).toBeNull();
  });
});

describe("phaseReport", () => {
  it("counts the requests started in the phase, errors by status, and the unclean ones", () => {
    const samples = [
      sample({ startedAt: 500, endedAt: 600 }),
      sample({ startedAt: 1_000, endedAt: 1_010 }),
      sample({ startedAt: 2_000, endedAt: 2_020, outcome: "503", retryAfter: "5" }),
      sample({ startedAt: 2_100, endedAt: 2_110, outcome: "503" }),
      sample({ target: "web", startedAt: 2_200, endedAt: 2_400, outcome: "200 degraded" }),
      sample({ startedAt: 3_000, endedAt: 3_004 }),
      sample({ startedAt: 6_000, endedAt: 6_004 }),
    ];
    const report = phaseReport(
      {
        name: "postgres-restart",
        description: "",
        startedAt: 1_000,
        endedAt: 5_000,
        fault: { startedAt: 1_500, endedAt: 2_500, recoveryBoundSeconds: 5 },
      },
      samples,
    );
    expect(report).toMatchObject({
      requests: 5,
      errorsByStatus: { "200 degraded": 1, "503": 2 },
      recoverySeconds: 0.5,
      faultSeconds: 1,
      unclean: { "api 503 without Retry-After": 1 },
      maxMs: 200,
    });
    expect(report.byTarget.api?.requests).toBe(4);
    expect(report.byTarget.web?.errors).toBe(1);
  });
});

describe("writesReport", () => {
  it("finds what was acknowledged, and tells apart what was saved unacknowledged", () => {
    const samples = [
      sample({ startedAt: 0, endedAt: 1, operation: "write", acknowledged: "drill-a-1" }),
      sample({ startedAt: 0, endedAt: 1, operation: "write", acknowledged: "drill-a-2" }),
      sample({ startedAt: 0, endedAt: 1, operation: "write", outcome: "503", retryAfter: "5" }),
    ];
    expect(writesReport(samples, new Set(["drill-a-1", "drill-a-2", "drill-a-3"]))).toEqual({
      acknowledged: 2,
      found: 3,
      lost: 0,
      unacknowledgedFound: 1,
      lostTitles: [],
    });
    expect(writesReport(samples, new Set(["drill-a-2"]))).toMatchObject({
      lost: 1,
      lostTitles: ["drill-a-1"],
      unacknowledgedFound: 0,
    });
  });
});

describe("checks", () => {
  const phase = (fields: Partial<PhaseReport>): PhaseReport => ({
    name: "postgres-restart",
    description: "",
    requests: 10,
    errorsByStatus: { "503": 2 },
    p50Ms: 1,
    p99Ms: 2,
    maxMs: 3,
    recoverySeconds: 0.5,
    faultSeconds: 2,
    recoveryBoundSeconds: 5,
    byTarget: {},
    unclean: {},
    ...fields,
  });
  const steady = phase({
    name: "steady",
    errorsByStatus: {},
    recoverySeconds: null,
    faultSeconds: null,
    recoveryBoundSeconds: null,
  });
  const writes = writesReport([], new Set());
  const failed = (phases: PhaseReport[], lost = writes) =>
    checks(phases, lost)
      .filter((check) => !check.passed)
      .map((check) => check.name);

  it("passes a clean run", () => {
    expect(failed([steady, phase({})])).toEqual([]);
  });

  it("fails on a lost write, naming it", () => {
    const lost = { ...writes, acknowledged: 3, lost: 1, lostTitles: ["drill-a-7"] };
    const [check] = checks([steady, phase({})], lost);
    expect(check?.name).toBe("nothing acknowledged was lost");
    expect(check?.passed).toBe(false);
    expect(check?.detail).toContain(
      "1 of 3 acknowledged writes are not in the database (drill-a-7)",
    );
  });

  it("fails when a saved item was never processed by the worker, and passes when all were", () => {
    const check = (processed: number) =>
      checks([steady, phase({})], writes, { saved: 40, processed, waitedSeconds: 25 }).at(-1);
    expect(check(38)).toMatchObject({
      passed: false,
      detail: expect.stringContaining("2 of 40 saved items unprocessed after 25 s") as string,
    });
    expect(check(40)?.passed).toBe(true);
    expect(checks([steady, phase({})], writes).map((c) => c.name)).not.toContainEqual(
      expect.stringContaining("processed by the worker"),
    );
  });

  const recovery =
    "recovered in time: within 5 s of a database fault's end, 10 s of a process restart";

  it.each([
    ["an unclean error", phase({ unclean: { "api 500": 1 } }), "every error was a clean refusal"],
    ["a recovery past its phase's bound", phase({ recoverySeconds: 5.5 }), recovery],
    ["no recovery", phase({ recoverySeconds: null }), recovery],
    ["a fault nobody felt", phase({ errorsByStatus: {} }), "every fault was felt"],
  ])("fails on %s", (_name, faulted, name) => {
    expect(failed([steady, faulted])).toEqual([name]);
  });

  it("holds each phase to its own bound: a restart may take longer than a database fault", () => {
    expect(failed([steady, phase({ recoverySeconds: 7, recoveryBoundSeconds: 10 })])).toEqual([]);
    expect(failed([steady, phase({ recoverySeconds: 7, recoveryBoundSeconds: 5 })])).toEqual([
      recovery,
    ]);
  });

  it("takes the restart bound from App Platform's first health check of a new instance", () => {
    expect(RECOVERY_BOUNDS.process).toBe(HEALTH_CHECK.initialDelaySeconds);
  });

  it("fails on an error without a fault", () => {
    expect(failed([{ ...steady, errorsByStatus: { "500": 1 } }, phase({})])).toEqual([
      "the steady phase answered every request",
    ]);
  });
});

describe("hiddenFields", () => {
  it("reads the Server Action fields React renders into the form, entities decoded", () => {
    const html =
      '<form action="" encType="multipart/form-data" method="POST">' +
      '<input type="hidden" name="$ACTION_REF_1"/>' +
      '<input type="hidden" name="$ACTION_1:0" value="{&quot;id&quot;:&quot;60abc&quot;,&quot;bound&quot;:&quot;$@1&quot;}"/>' +
      '<input type="hidden" name="$ACTION_1:1" value="[{&quot;status&quot;:&quot;idle&quot;}]"/>' +
      '<input type="hidden" name="$ACTION_KEY" value="k5&amp;0"/>' +
      '<input id="title" required="" maxLength="200" name="title"/></form>';
    expect(hiddenFields(html)).toEqual([
      ["$ACTION_REF_1", ""],
      ["$ACTION_1:0", '{"id":"60abc","bound":"$@1"}'],
      ["$ACTION_1:1", '[{"status":"idle"}]'],
      ["$ACTION_KEY", "k5&0"],
    ]);
  });
});

describe("postgresBinaries", () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function binaries(names: readonly string[]): string {
    const dir = mkdtempSync(path.join(tmpdir(), "drill-bin-"));
    made.push(dir);
    for (const name of names) {
      writeFileSync(path.join(dir, name), "#!/bin/sh\n");
      chmodSync(path.join(dir, name), 0o755);
    }
    return dir;
  }

  it("takes PG_BINDIR first, as ./quickstart test does", () => {
    const dir = binaries(["initdb", "pg_ctl"]);
    expect(postgresBinaries({ PG_BINDIR: dir, PATH: "" })).toBe(dir);
  });

  it("passes over a directory without initdb", () => {
    const partial = binaries(["pg_ctl"]);
    const complete = binaries(["initdb", "pg_ctl"]);
    expect(postgresBinaries({ PG_BINDIR: partial, PATH: complete })).toBe(complete);
  });
});
