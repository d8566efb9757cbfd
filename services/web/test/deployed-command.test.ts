// `pnpm test:deployed`, run as CI runs it after a staging deployment, but against the local
// standalone build and api behind a local stand-in for the edge (it adds the origin lock's header,
// as Cloudflare does): it passes against a working site, fails when a journey fails, and refuses
// to start without a valid E2E_BASE_URL.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../api/src/migrations.ts";
import { type TestDatabase, createTestDatabase } from "../../api/test/support/postgres.ts";
import { type LocalEdge, startLocalEdge } from "./support/edge.ts";
import { E2E_TITLE_MARK } from "./support/journeys.ts";
import { type ServerProcess, startApi, startWeb, stopAll } from "./support/servers.ts";

const ORIGIN_LOCK = `deployed-origin-lock-${"x".repeat(32)}`;
const THROUGH_EDGE = { "x-origin-lock": ORIGIN_LOCK };
const run = promisify(execFile);

let db: TestDatabase;
let web: ServerProcess;
let edge: LocalEdge;
let edgeWithoutLock: LocalEdge;

beforeAll(async () => {
  db = await createTestDatabase("web_deployed");
  await migrate(db.pool);
  const api = await startApi(
    db.url,
    { ORIGIN_LOCK_SECRETS: ORIGIN_LOCK },
    { headers: THROUGH_EDGE },
  );
  web = await startWeb({ API_URL: api.url, ORIGIN_LOCK_SECRETS: ORIGIN_LOCK });
  edge = await startLocalEdge(web.url, THROUGH_EDGE);
  edgeWithoutLock = await startLocalEdge(web.url, {});
});

afterAll(async () => {
  await Promise.all([edge.close(), edgeWithoutLock.close()]);
  await stopAll();
  await db.drop();
});

/** `pnpm test:deployed` in this package, with `E2E_BASE_URL` set to `baseUrl` or unset. */
async function testDeployed(
  baseUrl: string | undefined,
): Promise<{ code: number; output: string; stderr: string }> {
  // The child is a vitest run of its own: it must not think it is one of this run's workers.
  const env = Object.fromEntries(
    Object.entries({ ...process.env, E2E_BASE_URL: baseUrl, NO_COLOR: "1" }).filter(
      ([name]) => !name.startsWith("VITEST"),
    ),
  ) as NodeJS.ProcessEnv;
  try {
    const { stdout, stderr } = await run("pnpm", ["run", "test:deployed"], {
      cwd: path.join(import.meta.dirname, ".."),
      env,
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr, stderr: failed.stderr };
  }
}

describe("pnpm test:deployed", () => {
  it("passes against a working site through the edge, and marks the one item it creates", async () => {
    const { code, output } = await testDeployed(edge.url);
    expect(output).toContain(`Browser journeys against ${edge.url}`);
    expect(output).toMatch(/Tests\s+4 passed \(4\)/);
    expect(code).toBe(0);
    const { rows } = await db.pool.query<{ title: string }>("SELECT title FROM items");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.title.startsWith(`${E2E_TITLE_MARK} Renew the TLS certificate `)).toBe(true);
  }, 150_000);

  it("fails, naming the journeys, when the site does not serve them", async () => {
    // Without the origin lock's header the web refuses every page: what a broken edge would do.
    const { code, output } = await testDeployed(edgeWithoutLock.url);
    expect(code).toBe(1);
    expect(output).toContain("creates a marked item through the form and lists it");
    expect(output).toMatch(/Tests\s+4 failed \(4\)/);
  }, 150_000);

  it("starts no browser without E2E_BASE_URL, and says what to set", async () => {
    const { code, stderr } = await testDeployed(undefined);
    expect(code).toBe(1);
    expect(stderr).toContain(
      "pnpm test:deployed: E2E_BASE_URL is not set: it names the deployed staging the browser suite visits, e.g.\n" +
        "  E2E_BASE_URL=https://app.example-staging.com pnpm test:deployed\n",
    );
  });
});
