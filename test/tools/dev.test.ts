// `pnpm dev` with a port already taken: one line that names the port and the fix, exit 1, and
// nothing started. And the `.env.local` it reads first, which the taken port shows was read.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer, type Server } from "node:net";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { localLaunches } from "../../services/local.ts";
import { catalogService } from "../../stacks/service-catalog.ts";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";

const run = promisify(execFile);
const servers: Server[] = [];

async function occupy(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/**
 * `services/dev.ts` run from `cwd` (where it looks for `.env.local`): by default an empty folder,
 * so that a developer's own `.env.local` never changes a test.
 */
async function dev(
  env: Record<string, string>,
  cwd = mkdtempSync(path.join(tmpdir(), "dev-")),
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    await run(process.execPath, [`${REPOSITORY_ROOT}services/dev.ts`], {
      cwd,
      env: { ...process.env, ...env },
      timeout: 15_000,
    });
    return { code: 0, stdout: "", stderr: "" };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("pnpm dev", () => {
  it("names the taken web port and how to choose another, and starts nothing", async () => {
    const port = await occupy();
    const cwd = mkdtempSync(path.join(tmpdir(), "dev-"));
    const { code, stdout, stderr } = await dev({ WEB_PORT: String(port) }, cwd);
    expect(code).toBe(1);
    expect(stdout).toBe(`dev      | env: the shell only (no .env.local in ${cwd})\n`);
    expect(stderr).toBe(
      `pnpm dev: port ${port} (web) is already in use. Stop what listens there (lsof -i :${port}) or choose another port: WEB_PORT=${port + 100} pnpm dev\n`,
    );
  });

  it("checks the api's port too", async () => {
    const port = await occupy();
    const { code, stderr } = await dev({
      API_PORT: String(port),
      WEB_PORT: String(await freePort()),
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(
        `^pnpm dev: port ${port} \\(api\\) is already in use\\..* API_PORT=${port + 100} pnpm dev\\n$`,
      ),
    );
  });
});

describe("pnpm dev's .env.local", () => {
  it("is read where it runs, named in the first line, and the shell's values win over it", async () => {
    const [webTaken, apiTaken, apiFree] = [await occupy(), await occupy(), await freePort()];
    const cwd = mkdtempSync(path.join(tmpdir(), "dev-"));
    writeFileSync(
      path.join(cwd, ".env.local"),
      `# local overrides\nAPI_PORT=${apiTaken}\nWEB_PORT="${webTaken}"\n`,
    );
    const { code, stdout, stderr } = await dev({ API_PORT: String(apiFree) }, cwd);
    expect(stdout).toBe(
      `dev      | env: the shell, then ${cwd}/.env.local (the shell's values win)\n`,
    );
    // The api's port came from the shell (free), the web's from the file (taken): the api is
    // checked first, so a taken api port from the file would have been named instead.
    expect(stderr).toMatch(
      new RegExp(`^pnpm dev: port ${webTaken} \\(web\\) is already in use\\.`),
    );
    expect(code).toBe(1);
  });

  it("stops on one it cannot read, naming it", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "dev-"));
    mkdirSync(path.join(cwd, ".env.local"));
    const { code, stdout, stderr } = await dev({}, cwd);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toMatch(
      new RegExp(
        `^pnpm dev: cannot read ${cwd}/\\.env\\.local: .*\\. Fix or remove it; .env.example lists what it may set\\.\\n$`,
      ),
    );
  });
});

describe("how each catalog service runs locally (services/local.ts)", () => {
  it("starts each after those it uses, with the env of its bindings, on its port or the one asked for", () => {
    const launches = localLaunches({
      databaseUrl: "postgres://postgres@127.0.0.1:54329/postgres",
      env: { API_PORT: "4001" },
    });
    expect(launches.map(({ name, port, ready }) => ({ name, port, ready }))).toEqual([
      { name: "api", port: 4001, ready: { kind: "http", url: "http://127.0.0.1:4001/healthz" } },
      { name: "web", port: 3000, ready: { kind: "http", url: "http://127.0.0.1:3000/healthz" } },
      { name: "processor", port: undefined, ready: { kind: "log", message: "claiming jobs" } },
    ]);
    const [api, web, processor] = launches;
    expect(api?.env).toEqual({
      PORT: "4001",
      DATABASE_URL: "postgres://postgres@127.0.0.1:54329/postgres",
      DATABASE_READ_URL: "postgres://postgres@127.0.0.1:54329/postgres",
      HOST: "127.0.0.1",
    });
    expect(web?.env).toEqual({
      PORT: "3000",
      API_URL: "http://127.0.0.1:4001",
      NEXT_TELEMETRY_DISABLED: "1",
    });
    expect(processor?.env).toEqual({
      DATABASE_URL: "postgres://postgres@127.0.0.1:54329/postgres",
      DATABASE_READ_URL: "postgres://postgres@127.0.0.1:54329/postgres",
    });
    for (const launch of launches) {
      expect(launch.cwd).toBe(`${REPOSITORY_ROOT}services/${launch.name}`);
      expect(launch.command).toBe(process.execPath);
    }
    expect(processor?.args).toEqual(["--watch", "src/main.ts"]);
  });

  it("gives a read-only service the read URL alone, and no database without one", () => {
    const reports = {
      ...catalogService("api"),
      name: "reports",
      folder: "services/reports",
      port: 3005,
      uses: { database: "read" as const, services: [], assets: false },
      migrations: undefined,
    };
    const [launch] = localLaunches({ databaseUrl: "postgres://db/app", catalog: [reports] });
    expect(launch?.env).toEqual({
      PORT: "3005",
      DATABASE_READ_URL: "postgres://db/app",
      HOST: "127.0.0.1",
    });
    const [without] = localLaunches({ databaseUrl: undefined, catalog: [reports], env: {} });
    expect(without?.env).toEqual({ PORT: "3005", HOST: "127.0.0.1" });
  });
});

async function freePort(): Promise<number> {
  const port = await occupy();
  const server = servers.pop();
  await new Promise((done) => server?.close(done));
  return port;
}
