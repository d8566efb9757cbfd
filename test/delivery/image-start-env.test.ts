// The checks start every image with the env of tools/ci/image-start-env.ts and wait for its own
// HEALTHCHECK (.github/scripts/image-start-check.sh). No Docker engine here: instead each service's
// configuration must accept that env as production reads it, and the services that need no build
// are started on it for real, as their images' CMD starts them.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig as apiConfig } from "../../services/api/src/config.ts";
import { loadConfig as processorConfig } from "../../services/processor/src/config.ts";
import { readWebConfig } from "../../services/web/lib/config.ts";
import { freePort } from "../../services/web/test/support/servers.ts";
import { catalogService, SERVICE_CATALOG } from "../../stacks/service-catalog.ts";
import { imageJobs, imageStartEnv } from "../../tools/ci/image-start-env.ts";

const root = path.join(import.meta.dirname, "../..");
const production = (name: string) => ({
  NODE_ENV: "production",
  ...imageStartEnv(catalogService(name)),
});

const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await once(child, "exit");
    }),
  );
});

/** Starts `node <entry>` in the service's folder, as its image's CMD does; collects its output. */
function start(name: string, entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [entry], {
    cwd: path.join(root, catalogService(name).folder),
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  children.push(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function eventually(condition: () => Promise<boolean> | boolean, what: () => string) {
  const deadline = performance.now() + 15_000;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the image start check's env", () => {
  it("is in every row of the checks' matrix, one per catalog service", () => {
    expect(imageJobs().map((job) => [job.name, job.env])).toEqual(
      SERVICE_CATALOG.map((service) => [service.name, imageStartEnv(service)]),
    );
  });

  it("gives each service exactly its bindings, nothing reachable behind them", () => {
    expect(production("web")).toMatchObject({ PORT: "3000", API_URL: "http://127.0.0.1:9" });
    expect(production("web")).not.toHaveProperty("DATABASE_URL");
    expect(production("api")).toMatchObject({
      PORT: "3001",
      MIGRATE_ON_START: "false",
      DATABASE_URL: "postgres://image-check:unused@127.0.0.1:9/none",
    });
    // A worker listens only for App Platform's liveness check.
    expect(production("processor")).toMatchObject({ PORT: "3003" });
    expect(production("processor")).not.toHaveProperty("MIGRATE_ON_START");
  });

  it("is accepted by each service's own configuration under NODE_ENV=production", () => {
    expect(() => apiConfig(production("api"))).not.toThrow();
    expect(() => processorConfig(production("processor"))).not.toThrow();
    expect(readWebConfig(production("web"))).toMatchObject({ ok: true });
  });

  it("starts the api, which answers its health check with no database behind it", async () => {
    const port = await freePort();
    const api = start("api", "src/server.ts", { ...production("api"), PORT: String(port) });
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${String(port)}/healthz`).catch(() => undefined))?.status ===
        200,
      () => `the api did not answer /healthz; its output:\n${api.output()}`,
    );
    expect(api.child.exitCode).toBeNull();
  });

  it("starts the processor, which keeps claiming and stays live with no database behind it", async () => {
    const port = await freePort();
    const processor = start("processor", "src/main.ts", {
      ...production("processor"),
      PORT: String(port),
    });
    await eventually(
      () => processor.output().includes("claiming jobs"),
      () => `the processor did not start claiming; its output:\n${processor.output()}`,
    );
    const liveness = catalogService("processor").liveness?.path ?? "(none)";
    await eventually(
      async () =>
        (await fetch(`http://127.0.0.1:${String(port)}${liveness}`).catch(() => undefined))
          ?.status === 200,
      () => `the processor did not answer ${liveness}; its output:\n${processor.output()}`,
    );
    // The image's own HEALTHCHECK, run as Docker runs it, passes on that endpoint, and fails
    // where nothing answers.
    const dockerfile = readFileSync(path.join(root, "services/processor/Dockerfile"), "utf8");
    const healthcheck = /^HEALTHCHECK .*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const [node, ...args] = JSON.parse(healthcheck ?? "[]") as string[];
    const check = (port: number) =>
      spawnSync(process.execPath, args, {
        env: { PATH: process.env.PATH ?? "", PORT: String(port) },
      }).status;
    expect(node).toBe("node");
    expect(check(port)).toBe(0);
    expect(check(await freePort())).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(processor.child.exitCode).toBeNull();
    expect(processor.output()).toContain("could not claim a job");
  });
});
