// `pnpm drill`: the fault drill (services/drill/drill.ts) from the command line.
//   --short   the same phases, briefly (what `pnpm test` runs): well under a minute
//   --json    one object on stdout: {acknowledgedWrites, foundWrites, lostWrites,
//             phases: [{name, requests, errorsByStatus, p50Ms, p99Ms, recoverySeconds}]}
// Progress goes to stderr. Exits 1 when a check fails (or the drill cannot run), 2 on bad usage.
// Needs the web's production build (pnpm --filter @platform/web build) and PostgreSQL's server
// binaries, or DATABASE_URL.
import { Exit, exitCodeOf, parseCommandLine } from "../../tools/command-line.ts";
import { DrillSetupError, FULL, jsonReport, runDrill, SHORT } from "./drill.ts";
import { PostgresNotFound } from "./postgres.ts";
import { renderReport } from "./render.ts";

const usage = "usage: pnpm drill [--short] [--json]";

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        short: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    usage,
  );
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const interrupted = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      interrupted.abort();
    });
  }
  const databaseUrl = process.env.DATABASE_URL;
  try {
    const report = await runDrill({
      durations: values.short ? SHORT : FULL,
      databaseUrl: databaseUrl === undefined || databaseUrl === "" ? undefined : databaseUrl,
      progress: (line) => process.stderr.write(`drill | ${line}\n`),
      signal: interrupted.signal,
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(jsonReport(report), null, 2)}\n` : renderReport(report),
    );
    return report.checks.every((check) => check.passed) ? 0 : 1;
  } catch (error) {
    if (error instanceof DrillSetupError || error instanceof PostgresNotFound) {
      throw new Exit(1, error.message);
    }
    if (interrupted.signal.aborted)
      throw new Exit(130, "drill interrupted; everything it started is stopped");
    throw error;
  }
}

process.exitCode = await exitCodeOf(main);
