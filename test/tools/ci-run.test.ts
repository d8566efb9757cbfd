// The README's Quick start is the whole set-up: two commands, the second of which is exactly what CI
// runs, with the toolchain the project ships, and never long enough to hang CI.
import { execFile } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";

const run = promisify(execFile);
const read = (file: string) => readFileSync(`${REPOSITORY_ROOT}${file}`, "utf8");
const ciRun = read(".ci/run");
const quickstart = read("quickstart");

/** The commands of the README's Quick start block, without their comments. */
function quickStartCommands(): string[] {
  const section = /^## Quick start\n([\s\S]*?)^## /m.exec(read("README.md"))?.[1] ?? "";
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => line !== "");
}

/** The lines a shell script runs (no comments, no blank lines). */
const commandLines = (script: string) =>
  script
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

const semver = (version: string) => version.split(".").map(Number);

describe("the README's Quick start", () => {
  it("is one block of exactly two commands: the plan of staging, then the whole suite", () => {
    expect(quickStartCommands()).toEqual(["./quickstart plan", "./quickstart test"]);
  });

  it("is what .ci/run runs, verbatim, under a time limit inside CI's 90 minutes", () => {
    const second = quickStartCommands()[1] ?? "?";
    const runs = commandLines(ciRun).filter(
      (line) => line.includes("quickstart") && !line.startsWith("echo "),
    );
    expect(runs).toHaveLength(1);
    const [command = ""] = runs;
    const bounded = /^timeout --kill-after=\d+ "\$limit" (.+?) \|\| status=\$\?$/.exec(command);
    expect(bounded?.[1], command).toBe(second);
    const limit = Number(/^limit=(\d+)$/m.exec(ciRun)?.[1]);
    expect(limit).toBeGreaterThan(0);
    expect(limit).toBeLessThanOrEqual(5400 - 600);
  });

  it("pins the Node of .nvmrc and the Dockerfiles, and the pnpm of engines and the Dockerfiles", () => {
    const node = read(".nvmrc").trim();
    const pnpm = /^pnpm_version=(\S+)$/m.exec(quickstart)?.[1] ?? "?";
    expect(node).toMatch(/^24\.\d+\.\d+$/);
    expect(pnpm).toMatch(/^12\.\d+\.\d+$/);
    // One source each: the script reads .nvmrc, and names no Node release of its own.
    expect(quickstart).toContain("<.nvmrc)");
    expect(quickstart).not.toMatch(/\b24\.\d+\.\d+\b/);
    expect(quickstart).toContain('"node@$node_version" "pnpm@$pnpm_version"');
    for (const service of ["api", "web"]) {
      const dockerfile = read(`services/${service}/Dockerfile`);
      expect(dockerfile).toContain(`FROM node:${node}-alpine@sha256:`);
      expect(dockerfile).toContain(`PNPM_VERSION=${pnpm}`);
    }
    const { engines } = JSON.parse(read("package.json")) as {
      engines: { node: string; pnpm: string };
    };
    expect(engines.pnpm.startsWith(`>=${pnpm} `)).toBe(true);
    const [, lowest = "", below = ""] = /^>=(\S+) <(\d+)$/.exec(engines.node) ?? [];
    const [major = 0, minor = 0, patch = 0] = semver(node);
    const [lowMajor = 0, lowMinor = 0, lowPatch = 0] = semver(lowest);
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(
      lowMajor * 1e6 + lowMinor * 1e3 + lowPatch,
    );
    expect(major).toBeLessThan(Number(below));
  });

  it("keeps what it brings out of git and out of the images' build context", () => {
    expect(read(".gitignore").split("\n")).toContain(".tools/");
    expect(read(".dockerignore").split("\n")).toContain(".tools");
  });

  it("is written in shell that shellcheck passes (./quickstart test installs shellcheck)", async () => {
    const { stdout } = await run("shellcheck", ["quickstart", ".ci/run"], {
      cwd: REPOSITORY_ROOT,
    }).catch((error: unknown) => {
      const { stdout: found = "", code } = error as { stdout?: string; code?: unknown };
      return { stdout: code === "ENOENT" ? "shellcheck is not installed" : found };
    });
    expect(stdout).toBe("");
  });
});

describe("./quickstart plan", () => {
  /**
   * Runs `./quickstart plan …` from a copy of the script, with a Node and a pnpm on PATH in the
   * pinned releases (so it brings nothing) that only report how they were called.
   */
  async function quickstartPlan(args: string[]): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), "quickstart-"));
    copyFileSync(`${REPOSITORY_ROOT}quickstart`, path.join(dir, "quickstart"));
    copyFileSync(`${REPOSITORY_ROOT}.nvmrc`, path.join(dir, ".nvmrc"));
    const pnpmVersion = /^pnpm_version=(\S+)$/m.exec(quickstart)?.[1] ?? "?";
    const nodeVersion = read(".nvmrc").trim().replace(/^v/, "");
    mkdirSync(path.join(dir, "node_modules"));
    writeFileSync(path.join(dir, "node_modules/.quickstart-installed"), `pnpm ${pnpmVersion}\n`);
    mkdirSync(path.join(dir, "bin"));
    for (const [tool, version] of [
      ["node", `v${nodeVersion}`],
      ["pnpm", pnpmVersion],
    ] as const) {
      const file = path.join(dir, "bin", tool);
      writeFileSync(
        file,
        `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; else echo "${tool} $*"; fi\n`,
      );
      chmodSync(file, 0o755);
    }
    const { stdout } = await run(path.join(dir, "quickstart"), ["plan", ...args], {
      cwd: dir,
      env: { PATH: `${path.join(dir, "bin")}:/usr/bin:/bin` },
    });
    return stdout.trim();
  }

  it("hands its arguments to pnpm plan as given: without a stack, both plan staging", async () => {
    // tools/plan/plan.ts plans staging when no stack is named (test/tools/plan.test.ts).
    expect(read("tools/plan/plan.ts")).toContain('(positionals[0] ?? "staging")');
    await expect(quickstartPlan([])).resolves.toBe("pnpm plan");
    await expect(quickstartPlan(["--json"])).resolves.toBe("pnpm plan --json");
    await expect(quickstartPlan(["production", "--mermaid"])).resolves.toBe(
      "pnpm plan production --mermaid",
    );
  });
});
