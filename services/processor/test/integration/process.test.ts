// The processor as it runs in its image (`node src/main.ts`), against a real PostgreSQL: SIGTERM
// finishes the job in hand and claims no other; a process killed mid-job leaves the job to the
// next worker once its lease ends. The test holds the item's row lock to keep a job in hand.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createItem,
  createTestDatabase,
  eventually,
  jobs,
  type TestDatabase,
} from "../support/database.ts";
import type { LogLine } from "../support/logs.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
let db: TestDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  db = await createTestDatabase("process");
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.pool.query("TRUNCATE jobs, items RESTART IDENTITY");
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

function startProcessor(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      DATABASE_URL: db.url,
      WORKER_CONCURRENCY: "1",
      WORKER_POLL_INTERVAL_MS: "50",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines: LogLine[] = [];
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const complete = buffered.split("\n");
    buffered = complete.pop() ?? "";
    for (const line of complete) if (line !== "") lines.push(JSON.parse(line) as LogLine);
  });
  return { child, lines };
}

/** Locks the item's row in a transaction of its own until `release` is called. */
async function holdItem(id: string): Promise<{ release: () => Promise<void> }> {
  const client: pg.PoolClient = await db.pool.connect();
  await client.query("BEGIN");
  await client.query("SELECT 1 FROM items WHERE id = $1 FOR UPDATE", [id]);
  return {
    async release() {
      await client.query("COMMIT");
      client.release();
    },
  };
}

const stateOf = async (id: string) =>
  (await jobs(db.pool)).find((job) => job.id === id)?.state ?? "missing";

/** What the liveness endpoint answers, on the port the process logged. */
async function livez(lines: LogLine[]): Promise<{ status: number; body: unknown }> {
  const listening = lines.find((line) => line.msg === "liveness endpoint listening");
  if (listening === undefined) throw new Error("the liveness endpoint is not listening");
  const response = await fetch(`http://127.0.0.1:${String(listening.port)}/livez`);
  return { status: response.status, body: await response.json() };
}

describe("the processor process", () => {
  it("starts claiming, and on SIGTERM finishes the job in hand, claims no other, and exits 0", async () => {
    const held = await createItem(db.pool, "in hand");
    const lock = await holdItem(held);
    const { child, lines } = startProcessor();
    await eventually(async () => (await stateOf("1")) === "running", 15_000, "the job in hand");
    await createItem(db.pool, "still waiting");

    child.kill("SIGTERM");
    await eventually(
      () => Promise.resolve(lines.some((line) => line.msg.startsWith("shutting down"))),
      5_000,
      "the shutdown to begin",
    );
    // The job is still in hand: the process waits for it.
    expect(child.exitCode).toBeNull();
    await lock.release();
    const [code] = (await once(child, "exit")) as [number | null];

    expect(code).toBe(0);
    expect(await stateOf("1")).toBe("done");
    expect(await stateOf("2")).toBe("pending");
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["claiming jobs", "job done", "shutdown complete"]),
    );
  });

  it("killed mid-job leaves the job to another worker once its lease ends", async () => {
    const id = await createItem(db.pool, "orphaned");
    const lock = await holdItem(id);
    const first = startProcessor({ WORKER_LEASE_SECONDS: "1" });
    await eventually(async () => (await stateOf("1")) === "running", 15_000, "the job in hand");
    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    await lock.release();

    const second = startProcessor({ WORKER_LEASE_SECONDS: "1" });
    await eventually(async () => (await stateOf("1")) === "done", 15_000, "the job to be redone");
    expect((await jobs(db.pool))[0]?.attempts).toBe(2);
    const { rows } = await db.pool.query("SELECT word_count FROM items WHERE id = $1", [id]);
    expect(rows).toEqual([{ word_count: 1 }]);
    second.child.kill("SIGTERM");
    expect(await once(second.child, "exit")).toEqual([0, null]);
  });

  it("refuses to start on a bad environment, naming the variable and not its value", async () => {
    const { child, lines } = startProcessor({
      DATABASE_URL: "mysql://user:hunter2@db/app",
      WORKER_CONCURRENCY: "0",
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "fatal",
        msg: "invalid configuration",
        problems: [
          "DATABASE_URL: must be a postgres:// or postgresql:// URL",
          "WORKER_CONCURRENCY: Too small: expected number to be >=1",
        ],
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain("hunter2");
  });
  it("answers its liveness check while its steps move, fails it while a job hangs past twice its lease, and recovers", async () => {
    const first = await createItem(db.pool, "first");
    const { lines } = startProcessor({ PORT: "0", HOST: "127.0.0.1", WORKER_LEASE_SECONDS: "1" });
    await eventually(
      () => Promise.resolve(lines.some((line) => line.msg === "liveness endpoint listening")),
      10_000,
      "the liveness endpoint",
    );
    await eventually(async () => (await stateOf(first)) === "done", 10_000, "a first job done");
    const live = await livez(lines);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: "ok" });

    // The next job waits on a row this test holds: its slot stops moving.
    const held = await createItem(db.pool, "held");
    const lock = await holdItem(held);
    await eventually(
      async () => (await stateOf(held)) === "running",
      10_000,
      "the held job in hand",
    );
    // Within twice its lease the step is young enough: live still.
    const young = await livez(lines);
    expect(young.status).toBe(200);
    expect((young.body as { longestStepMs: number }).longestStepMs).toBeLessThan(2_000);
    await eventually(
      async () => (await livez(lines)).status === 503,
      10_000,
      "liveness to fail once the job in hand is older than 2 s (twice its lease)",
    );
    const stalled = (await livez(lines)).body as { status: string; longestStepMs: number };
    expect(stalled.status).toBe("stalled");
    expect(stalled.longestStepMs).toBeGreaterThan(2_000);
    expect(lines.map((line) => line.msg)).toContain("a step has run too long: liveness fails");

    await lock.release();
    await eventually(async () => (await livez(lines)).status === 200, 10_000, "liveness again");
    expect(await stateOf(held)).toBe("done");
  });
});
