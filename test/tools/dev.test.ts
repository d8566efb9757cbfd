// `pnpm dev` with a port already taken: one line that names the port and the fix, exit 1, and
// nothing started.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:net";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
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

async function dev(
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    await run(process.execPath, ["services/dev.ts"], {
      cwd: REPOSITORY_ROOT,
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
    const { code, stdout, stderr } = await dev({ WEB_PORT: String(port) });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `pnpm dev: port ${port} (web) is already in use. Stop what listens there (lsof -i :${port}) or choose another port: WEB_PORT=3100 pnpm dev\n`,
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
        `^pnpm dev: port ${port} \\(api\\) is already in use\\..* API_PORT=3101 pnpm dev\\n$`,
      ),
    );
  });
});

async function freePort(): Promise<number> {
  const port = await occupy();
  const server = servers.pop();
  await new Promise((done) => server?.close(done));
  return port;
}
