// `.ci/run` must test with exactly the toolchain the project ships, and never hang CI.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";

const read = (file: string) => readFileSync(`${REPOSITORY_ROOT}${file}`, "utf8");
const ciRun = read(".ci/run");

describe(".ci/run", () => {
  it("installs the exact Node of .nvmrc and the Dockerfiles, and the exact pnpm of engines", () => {
    const node = /^node_version=(\S+)$/m.exec(ciRun)?.[1];
    const pnpm = /^pnpm_version=(\S+)$/m.exec(ciRun)?.[1];
    expect(node).toMatch(/^24\.\d+\.\d+$/);
    expect(read(".nvmrc").trim()).toBe(node);
    for (const service of ["api", "web"]) {
      expect(read(`services/${service}/Dockerfile`)).toContain(`NODE_IMAGE=node:${node ?? "?"}-`);
      expect(read(`services/${service}/Dockerfile`)).toContain(`PNPM_VERSION=${pnpm ?? "?"}`);
    }
    const engines = (JSON.parse(read("package.json")) as { engines: { pnpm: string } }).engines;
    expect(engines.pnpm.startsWith(`>=${pnpm ?? "?"} `)).toBe(true);
    expect(ciRun).toContain('"node@$node_version" "pnpm@$pnpm_version"');
  });

  it("bounds every install, server start and the test run with a timeout", () => {
    const commands = ciRun
      .split("\n")
      .map((line) => line.trim())
      .filter((line) =>
        /\b(npm install|pnpm install|apt-get|test-postgres\.sh start|pnpm test)\b/.test(line),
      )
      .filter((line) => !line.startsWith("#") && !line.startsWith("log "));
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const command of commands) expect(command, command).toMatch(/\bbounded \d+ /);
  });
});
