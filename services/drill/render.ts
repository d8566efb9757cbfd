// The drill's report for people: one line per phase, the load held, the writes, the checks.
import type { DrillReport } from "./drill.ts";
import type { TargetFigures } from "./report.ts";

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]?.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length)),
  );
  return rows.map((row) =>
    row
      .map((cell, column) => {
        const width = widths?.[column] ?? 0;
        return rightAligned.has(column) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd(),
  );
}

function errors(byStatus: Readonly<Record<string, number>>): string {
  const entries = Object.entries(byStatus);
  return entries.length === 0
    ? "-"
    : entries.map(([status, count]) => `${status}: ${String(count)}`).join(", ");
}

function byTarget(target: string, figures: TargetFigures): string {
  return `${target} ${String(figures.requests)} requests, ${String(figures.errors)} errors, p99 ${figures.p99Ms.toFixed(1)} ms, max ${figures.maxMs.toFixed(1)} ms`;
}

function loadLine(label: string, figures: TargetFigures | undefined): string[] {
  return figures === undefined
    ? [label, "-", "-", "-", "-"]
    : [
        label,
        figures.requestsPerSecond.toFixed(1),
        figures.p50Ms.toFixed(1),
        figures.p99Ms.toFixed(1),
        String(figures.errors),
      ];
}

export function renderReport(report: DrillReport): string {
  const { durations, workers } = report;
  const lines = [
    `Fault drill: ${report.services.join(", ")} on ${report.database}`,
    `Load: ${String(workers.api)} workers on the api (3 list reads : 1 write), ${String(workers.web)} on the web (page load : form post, 1 : 1), closed loop.`,
    ...report.drillSettings.map((setting) => `Drill setting: ${setting}`),
    "",
    ...table(
      [
        [
          "phase",
          "requests",
          "errors by status",
          "p50 ms",
          "p99 ms",
          "max ms",
          "fault s",
          "recovery s",
        ],
        ...report.phases.map((phase) => [
          phase.name,
          String(phase.requests),
          errors(phase.errorsByStatus),
          phase.p50Ms.toFixed(1),
          phase.p99Ms.toFixed(1),
          phase.maxMs.toFixed(1),
          phase.faultSeconds === null ? "-" : phase.faultSeconds.toFixed(2),
          phase.faultSeconds === null
            ? "-"
            : phase.recoverySeconds === null
              ? "not recovered"
              : phase.recoverySeconds.toFixed(2),
        ]),
      ],
      new Set([1, 3, 4, 5, 6, 7]),
    ),
    "",
    ...report.phases.flatMap((phase) => [
      `  ${phase.name}: ${phase.description}`,
      `    ${Object.entries(phase.byTarget)
        .map(([target, figures]) => byTarget(target, figures))
        .join("; ")}`,
    ]),
  ];

  const steady = report.phases.find((phase) => phase.faultSeconds === null);
  lines.push(
    "",
    `Load held (steady phase, ${String(durations.steady)} s):`,
    ...table(
      [
        ["  target", "req/s", "p50 ms", "p99 ms", "errors"],
        loadLine("  api (reads and writes)", steady?.byTarget.api),
        loadLine("  web (pages and form posts)", steady?.byTarget.web),
        ...(report.comparison === undefined
          ? []
          : [
              loadLine(
                `  floor, list reads only (${String(report.comparison.workers)} workers)`,
                report.comparison.floor,
              ),
              loadLine(
                `  api, list reads only (${String(report.comparison.workers)} workers)`,
                report.comparison.api,
              ),
            ]),
      ],
      new Set([1, 2, 3, 4]),
    ),
  );
  if (report.comparison === undefined) {
    lines.push("  (the floor comparison runs in the full drill: pnpm drill)");
  }

  const { writes } = report;
  lines.push(
    "",
    `Writes: ${String(writes.acknowledged)} acknowledged, ${String(writes.found)} found in the database, ${String(writes.lost)} lost` +
      (writes.unacknowledgedFound > 0
        ? ` (${String(writes.unacknowledgedFound)} saved although the client was not told so)`
        : ""),
    "",
    "Checks:",
    ...report.checks.map(
      (check) => `  ${check.passed ? "pass" : "FAIL"}  ${check.name}: ${check.detail}`,
    ),
  );
  if (report.logDirectory !== undefined) {
    lines.push("", `The services' logs: ${report.logDirectory}`);
  }
  return `${lines.join("\n")}\n`;
}
