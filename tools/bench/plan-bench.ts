// `pnpm bench [--runs N]`: median wall time and peak memory of `plan production --json`, measured
// alternately with programs that load the same dependencies, so that all see the same machine load.
// Budget (DESIGN.md §9, #22): the plan within 1.3x of a program that imports the same SDKs and
// registers nothing, the eager floor (tools/bench/floor.ts --eager). Beside it: the floor, the
// dependencies loaded as the program loads them, each SDK's resource modules deferred; and the
// registration floor, those and the plan's resources registered by the SDK with no program
// (tools/bench/registration-floor.ts), which splits the plan's cost into the SDK's and the program's.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { REPOSITORY_ROOT } from "../mock/run-stack.ts";

interface Sample {
  wallMs: number;
  peakMiB: number;
}

async function measure(args: readonly string[], peakFile: string): Promise<Sample> {
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "./tools/bench/report-peak-memory.ts", ...args],
      {
        cwd: REPOSITORY_ROOT,
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, BENCH_PEAK_MEMORY_FILE: peakFile },
      },
    );
    child.on("error", reject);
    child.on("exit", resolve);
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`${args.join(" ")} exited with ${String(code)}`);
  return { wallMs, peakMiB: Number(await readFile(peakFile, "utf8")) / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "9" } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs takes a whole number, not ${values.runs}`);

const directory = await mkdtemp(join(tmpdir(), "plan-bench-"));
const plan = ["tools/plan/cli.ts", "production", "--json"];
// The registration floor registers what the plan declares: the plan of this commit.
const manifestFile = join(directory, "plan.json");
await writeFile(
  manifestFile,
  execFileSync(process.execPath, plan, {
    cwd: REPOSITORY_ROOT,
    stdio: ["ignore", "pipe", "ignore"],
    maxBuffer: 64 * 1024 * 1024,
  }),
);
const subjects = {
  floor: ["tools/bench/floor.ts"],
  registration: ["tools/bench/registration-floor.ts", manifestFile],
  eager: ["tools/bench/floor.ts", "--eager"],
  plan,
} as const;
const names = ["floor", "registration", "eager", "plan"] as const;
const samples: Record<keyof typeof subjects, Sample[]> = {
  floor: [],
  registration: [],
  eager: [],
  plan: [],
};
// One untimed run of each warms the file system cache, as a user's second run would be.
for (const subject of names) await measure(subjects[subject], join(directory, `warm-${subject}`));
for (let run = 0; run < runs; run += 1) {
  for (const subject of names) {
    samples[subject].push(await measure(subjects[subject], join(directory, `${subject}-${run}`)));
  }
}

const summary = Object.fromEntries(
  names.map((subject) => [
    subject,
    {
      wallMs: median(samples[subject].map((sample) => sample.wallMs)),
      peakMiB: median(samples[subject].map((sample) => sample.peakMiB)),
    },
  ]),
) as Record<keyof typeof subjects, Sample>;

const ratio = summary.plan.wallMs / summary.floor.wallMs;
const rows = [
  ["subject", "median wall", "median peak RSS"],
  [
    "floor (the dependencies, no program)",
    `${summary.floor.wallMs.toFixed(0)} ms`,
    `${summary.floor.peakMiB.toFixed(1)} MiB`,
  ],
  [
    "registration floor (plan's resources)",
    `${summary.registration.wallMs.toFixed(0)} ms`,
    `${summary.registration.peakMiB.toFixed(1)} MiB`,
  ],
  [
    "eager floor (every SDK module)",
    `${summary.eager.wallMs.toFixed(0)} ms`,
    `${summary.eager.peakMiB.toFixed(1)} MiB`,
  ],
  [
    "plan production --json",
    `${summary.plan.wallMs.toFixed(0)} ms`,
    `${summary.plan.peakMiB.toFixed(1)} MiB`,
  ],
];
process.stdout.write(
  [
    `pnpm bench: ${runs} alternating runs each, Node ${process.version}`,
    ...rows.map(
      ([a = "", b = "", c = ""]) => `  ${a.padEnd(38)} ${b.padStart(12)} ${c.padStart(16)}`,
    ),
    `  plan / eager floor:     ${(summary.plan.wallMs / summary.eager.wallMs).toFixed(2)}x (budget ≤ 1.30x)`,
    `  plan / floor:           ${ratio.toFixed(2)}x`,
    `  registration / floor:   ${(summary.registration.wallMs / summary.floor.wallMs).toFixed(2)}x (the SDK registering the plan's resources, no program)`,
    `  plan - registration:    ${(summary.plan.wallMs - summary.registration.wallMs).toFixed(0)} ms (at most the program's own work)`,
    `  plan - floor memory:    ${(summary.plan.peakMiB - summary.floor.peakMiB).toFixed(1)} MiB`,
  ].join("\n") + "\n",
);
