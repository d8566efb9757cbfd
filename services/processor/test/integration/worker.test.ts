// The worker against a real PostgreSQL: claiming with FOR UPDATE SKIP LOCKED, the item's work,
// retries with backoff, jobs set aside after their last attempt, and a claim that outlives its
// worker.
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HANDLERS } from "../../src/handlers.ts";
import { claimJob } from "../../src/queue.ts";
import { type JobHandler, startWorker, type Worker } from "../../src/worker.ts";
import {
  createItem,
  createTestDatabase,
  eventually,
  jobs,
  type TestDatabase,
} from "../support/database.ts";
import { capturingLogger } from "../support/logs.ts";

let db: TestDatabase;
const running: Worker[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase("worker");
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await db.pool.query("TRUNCATE jobs, items RESTART IDENTITY");
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((worker) => worker.close()));
  await Promise.all(pools.splice(0).map((pool) => pool.end()));
});

async function poolOf(): Promise<pg.Pool> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({ connectionString: db.url, max: 5 });
  pools.push(pool);
  return pool;
}

async function worker(
  handlers: Record<string, JobHandler>,
  options: { concurrency?: number; leaseSeconds?: number } = {},
) {
  const { logger, lines } = capturingLogger();
  const started = startWorker({
    pool: await poolOf(),
    logger,
    handlers,
    concurrency: options.concurrency ?? 2,
    pollIntervalMs: 50,
    leaseSeconds: options.leaseSeconds ?? 30,
    backoff: { baseMs: 200, maxMs: 1_000 },
  });
  running.push(started);
  return { worker: started, lines };
}

const allIn = (state: string) => async () =>
  (await jobs(db.pool)).every((job) => job.state === state);

describe("the processor's work", () => {
  it("counts each new item's words and stamps it processed, once", async () => {
    const id = await createItem(db.pool, "  buy   oat milk ");
    await worker(HANDLERS);
    await eventually(allIn("done"), 15_000, "the job to be done");
    const { rows } = await db.pool.query<{ word_count: number; processed: boolean }>(
      "SELECT word_count, processed_at IS NOT NULL AS processed FROM items WHERE id = $1",
      [id],
    );
    expect(rows).toEqual([{ word_count: 3, processed: true }]);
    expect(await jobs(db.pool)).toEqual([
      expect.objectContaining({
        kind: "item.created",
        state: "done",
        attempts: 1,
        last_error: null,
      }),
    ]);
  });
});

describe("two workers", () => {
  it("never take the same job: each of 40 jobs runs exactly once", async () => {
    await db.pool.query("CREATE TABLE IF NOT EXISTS runs (job_id bigint, worker text)");
    await db.pool.query("TRUNCATE runs");
    for (let index = 0; index < 40; index += 1) await createItem(db.pool, `item ${index}`);
    const recording =
      (name: string): JobHandler =>
      async (client, job) => {
        await client.query("INSERT INTO runs VALUES ($1, $2)", [job.id, name]);
        // Long enough that the workers' claims overlap.
        await new Promise((resolve) => setTimeout(resolve, 20));
      };
    await worker({ "item.created": recording("a") }, { concurrency: 3 });
    await worker({ "item.created": recording("b") }, { concurrency: 3 });
    await eventually(allIn("done"), 20_000, "every job to be done");
    const { rows } = await db.pool.query<{ job_id: string; runs: number; workers: string[] }>(
      "SELECT job_id::text, count(*)::int AS runs, array_agg(DISTINCT worker) AS workers FROM runs GROUP BY job_id",
    );
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.runs === 1)).toBe(true);
    // Both took part: the test would prove nothing with one idle worker.
    expect(new Set(rows.flatMap((row) => row.workers))).toEqual(new Set(["a", "b"]));
    expect((await jobs(db.pool)).every((job) => job.attempts === 1)).toBe(true);
  });
});

describe("a failing job", () => {
  it("is retried with backoff, and its work of a failed attempt rolls back", async () => {
    const id = await createItem(db.pool, "flaky");
    const attemptsAt: number[] = [];
    const flaky: JobHandler = async (client, job) => {
      attemptsAt.push(Date.now());
      await client.query("UPDATE items SET title = title || '!' WHERE id = $1", [id]);
      if (job.attempt < 3) throw new Error(`attempt ${job.attempt} fails`);
    };
    const { lines } = await worker({ "item.created": flaky });
    await eventually(allIn("done"), 15_000, "the job to be done");
    const [job] = await jobs(db.pool);
    expect(job).toMatchObject({ state: "done", attempts: 3, last_error: null });
    // Only the successful attempt's write stayed.
    const { rows } = await db.pool.query("SELECT title FROM items WHERE id = $1", [id]);
    expect(rows).toEqual([{ title: "flaky!" }]);
    // Equal jitter from 200 ms, doubling: at least 100 ms, then at least 200 ms.
    const [first = 0, second = 0, third = 0] = attemptsAt;
    expect(second - first).toBeGreaterThanOrEqual(100);
    expect(third - second).toBeGreaterThanOrEqual(200);
    expect(lines.filter((line) => line.msg === "job failed; it will be retried")).toHaveLength(2);
  });

  it("is set aside after its last attempt, with its error, and never claimed again", async () => {
    await createItem(db.pool, "doomed");
    await db.pool.query("UPDATE jobs SET max_attempts = 3");
    let calls = 0;
    const failing: JobHandler = () => {
      calls += 1;
      return Promise.reject(new Error("the remote end said no"));
    };
    const { lines } = await worker({ "item.created": failing });
    await eventually(allIn("failed"), 15_000, "the job to be set aside");
    expect(await jobs(db.pool)).toEqual([
      expect.objectContaining({
        state: "failed",
        attempts: 3,
        last_error: "the remote end said no",
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(3);
    expect(await claimJob(db.pool, 30)).toBeUndefined();
    expect(lines.map((line) => line.msg)).toContain("job failed for the last time: set aside");
  });

  it("of a kind no handler knows fails like any other", async () => {
    await db.pool.query("INSERT INTO jobs (kind, max_attempts) VALUES ('mail.send', 1)");
    await worker(HANDLERS);
    await eventually(allIn("failed"), 15_000, "the job to be set aside");
    expect((await jobs(db.pool))[0]?.last_error).toBe("no handler for jobs of kind mail.send");
  });
});

describe("a job whose connection the server ends", () => {
  it("is retried, and the worker keeps running (a database restart must not crash it)", async () => {
    const id = await createItem(db.pool, "survive a restart");
    const itemCreated = HANDLERS["item.created"];
    if (itemCreated === undefined) throw new Error("no item.created handler");
    const { lines } = await worker({
      "item.created": async (client, job) => {
        if (job.attempt === 1) {
          // As a restarting server does: the backend goes while the job holds the connection.
          const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
          await db.pool.query("SELECT pg_terminate_backend($1)", [rows[0]?.pid]);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await itemCreated(client, job);
      },
    });
    await eventually(allIn("done"), 15_000, "the job to be done on its second attempt");
    expect(await jobs(db.pool)).toEqual([expect.objectContaining({ state: "done", attempts: 2 })]);
    const { rows } = await db.pool.query<{ processed: boolean }>(
      "SELECT processed_at IS NOT NULL AS processed FROM items WHERE id = $1",
      [id],
    );
    expect(rows).toEqual([{ processed: true }]);
    expect(lines.map((line) => line.msg)).toContain("database connection lost during the job");
  });
});

describe("a job whose failure cannot be recorded (the database went with it)", () => {
  it("runs again when its lease ends, and the worker keeps running", async () => {
    await createItem(db.pool, "record me later");
    const itemCreated = HANDLERS["item.created"];
    if (itemCreated === undefined) throw new Error("no item.created handler");
    const pool = await poolOf();
    const { logger, lines } = capturingLogger();
    running.push(
      startWorker({
        pool,
        logger,
        concurrency: 1,
        pollIntervalMs: 50,
        leaseSeconds: 1,
        backoff: { baseMs: 200, maxMs: 1_000 },
        handlers: {
          "item.created": async (client, job) => {
            if (job.attempt === 1) {
              // The next call on the pool is the one that records this failure: refused, as by a
              // server that is restarting.
              vi.spyOn(pool, "query").mockRejectedValueOnce(
                Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
                  code: "ECONNREFUSED",
                }),
              );
              throw new Error("the database went away");
            }
            await itemCreated(client, job);
          },
        },
      }),
    );
    await eventually(allIn("done"), 15_000, "the job to be done once its lease ended");
    expect(await jobs(db.pool)).toEqual([expect.objectContaining({ state: "done", attempts: 2 })]);
    expect(lines.map((line) => line.msg)).toContain(
      "job failed and its failure could not be recorded; it runs again when its lease ends",
    );
  });
});

describe("a claim", () => {
  it("left by a worker that died is claimed again once its lease ends, and counts as an attempt", async () => {
    await createItem(db.pool, "orphan");
    // A worker that claimed the job and vanished: its claim committed, its work never did.
    const lost = await claimJob(db.pool, 1);
    expect(lost?.attempt).toBe(1);
    expect(await claimJob(db.pool, 1)).toBeUndefined();
    await worker(HANDLERS);
    await eventually(allIn("done"), 15_000, "the job to be done");
    expect((await jobs(db.pool))[0]).toMatchObject({ state: "done", attempts: 2 });
  });

  it("that died on its last attempt is set aside, not run again", async () => {
    await createItem(db.pool, "poison");
    await db.pool.query("UPDATE jobs SET max_attempts = 1");
    await claimJob(db.pool, 1);
    await worker(HANDLERS);
    await eventually(allIn("failed"), 15_000, "the job to be set aside");
    expect((await jobs(db.pool))[0]).toMatchObject({
      attempts: 1,
      last_error: "the worker stopped during its last attempt (lease expired)",
    });
  });

  it("taken over after its lease ran out completes nothing for the first worker", async () => {
    const id = await createItem(db.pool, "slow");
    const first = await claimJob(db.pool, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await claimJob(db.pool, 30);
    expect(second?.id).toBe(first?.id);
    const { completeJob, LostClaimError } = await import("../../src/queue.ts");
    const client = await db.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("UPDATE items SET title = 'late' WHERE id = $1", [id]);
      await expect(completeJob(client, first ?? second ?? ({} as never))).rejects.toBeInstanceOf(
        LostClaimError,
      );
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
    const { rows } = await db.pool.query("SELECT title FROM items WHERE id = $1", [id]);
    expect(rows).toEqual([{ title: "slow" }]);
  });
});

describe("a worker before the migrations", () => {
  it("waits for the jobs table instead of failing", async () => {
    const { default: pg } = await import("pg");
    const { randomBytes } = await import("node:crypto");
    const name = `processor_empty_${randomBytes(4).toString("hex")}`;
    await db.pool.query(`CREATE DATABASE ${name}`);
    const url = new URL(db.url);
    url.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    const { logger, lines } = capturingLogger();
    const started = startWorker({
      pool,
      logger,
      handlers: HANDLERS,
      concurrency: 1,
      pollIntervalMs: 50,
      leaseSeconds: 30,
      backoff: { baseMs: 100, maxMs: 100 },
    });
    await eventually(
      () =>
        Promise.resolve(
          lines.some(
            (line) => line.msg === "no jobs table yet (migrations pending); claiming again shortly",
          ),
        ),
      5_000,
      "the worker to notice the missing table",
    );
    await started.close();
    await pool.end();
    await db.pool.query(`DROP DATABASE ${name} WITH (FORCE)`);
  });
});
