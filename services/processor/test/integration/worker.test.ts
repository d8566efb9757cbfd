// The worker against a real PostgreSQL: claiming with FOR UPDATE SKIP LOCKED, the item's work,
// retries with backoff, jobs set aside after their last attempt, and a claim that outlives its
// worker.
import type pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HANDLERS } from "../../src/handlers.ts";
import { claimJob, deleteExpiredJobs } from "../../src/queue.ts";
import { type JobHandler, startWorker, type Worker } from "../../src/worker.ts";
import {
  createItem,
  createTestDatabase,
  eventually,
  jobs,
  type TestDatabase,
} from "../support/database.ts";
import { capturingLogger } from "../support/logs.ts";
import type { LogLevel } from "@platform/runtime/env";

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

/** A retention no test job reaches: only the retention tests delete finished jobs. */
const KEEP_ALL = { doneDays: 3_650, failedDays: 3_650, batchSize: 1_000, intervalMs: 60_000 };

async function worker(
  handlers: Record<string, JobHandler>,
  options: {
    concurrency?: number;
    leaseSeconds?: number;
    retention?: typeof KEEP_ALL;
    logLevel?: LogLevel;
  } = {},
) {
  const { logger, lines } = capturingLogger(options.logLevel);
  const started = startWorker({
    pool: await poolOf(),
    logger,
    handlers,
    concurrency: options.concurrency ?? 2,
    pollIntervalMs: 50,
    leaseSeconds: options.leaseSeconds ?? 30,
    backoff: { baseMs: 200, maxMs: 1_000 },
    retention: options.retention ?? KEEP_ALL,
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
        retention: KEEP_ALL,
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

describe("finished jobs", () => {
  /** Jobs as the queue leaves them: `age` before now, in PostgreSQL's interval syntax. */
  async function insertJobs(state: string, count: number, age: string, runAt = "now()") {
    await db.pool.query(
      `INSERT INTO jobs (kind, state, attempts, finished_at, run_at, claim, last_error)
       SELECT 'mail.send', $1::text, 1,
              CASE WHEN $1::text IN ('done', 'failed') THEN now() - $3::interval END,
              ${runAt},
              CASE WHEN $1::text = 'running' THEN gen_random_uuid() END,
              CASE WHEN $1::text = 'failed' THEN 'the remote end said no' END
         FROM generate_series(1, $2::int)`,
      [state, count, age],
    );
  }
  const remaining = async () =>
    (
      await db.pool.query<{ state: string; days: number }>(
        `SELECT state, extract(day FROM now() - coalesce(finished_at, created_at))::int AS days
           FROM jobs ORDER BY state, days`,
      )
    ).rows;

  it("are deleted once past their retention, done and failed each by their own, in batches; pending and running ones never", async () => {
    await insertJobs("done", 5, "8 days");
    await insertJobs("done", 1, "6 days");
    await insertJobs("failed", 2, "8 days");
    await insertJobs("failed", 1, "31 days");
    // Not due for a day, and a lease an hour long: the worker neither runs nor deletes them.
    await insertJobs("pending", 1, "0", "now() + interval '1 day'");
    await insertJobs("running", 1, "0", "now() + interval '1 hour'");
    // A failed job an operator queued again, its old finished_at left as it was.
    await insertJobs("failed", 1, "40 days");
    await db.pool.query(
      "UPDATE jobs SET state = 'pending', run_at = now() + interval '1 day' WHERE finished_at < now() - interval '35 days'",
    );

    const { lines } = await worker(
      {},
      {
        retention: { doneDays: 7, failedDays: 30, batchSize: 2, intervalMs: 60_000 },
        logLevel: "debug",
      },
    );
    await eventually(
      async () => (await remaining()).length === 6,
      10_000,
      "the expired jobs to be deleted",
    );
    expect(await remaining()).toEqual([
      { state: "done", days: 6 },
      { state: "failed", days: 8 },
      { state: "failed", days: 8 },
      { state: "pending", days: 0 },
      { state: "pending", days: 40 },
      { state: "running", days: 0 },
    ]);
    // Six expired jobs in batches of two: a full batch at each poll, then one that finds nothing
    // and waits out the interval (a minute here): a job that expires meanwhile stays till then.
    await eventually(
      () =>
        Promise.resolve(lines.some((line) => line.msg === "no finished jobs past their retention")),
      5_000,
      "a sweep that finds nothing",
    );
    const sweeps = () =>
      lines
        .filter((line) => line.msg === "deleted finished jobs past their retention")
        .map((line) => line.deleted);
    expect(sweeps()).toEqual([2, 2, 2]);
    await insertJobs("done", 1, "9 days");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await remaining()).toHaveLength(7);
    expect(sweeps()).toEqual([2, 2, 2]);
  });

  it("are found through the index the migrations build for them, and deleted by primary key", async () => {
    // A table as a steady queue leaves it: many jobs finished recently, a few past retention.
    await insertJobs("done", 20_000, "1 day");
    await insertJobs("done", 10, "8 days");
    await db.pool.query("ANALYZE jobs");
    // The function's own statement, explained instead of run.
    const explained: string[] = [];
    const explaining = {
      query: async (text: string, values: unknown[]) => {
        const { rows } = await db.pool.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, values);
        explained.push(...rows.map((row) => row["QUERY PLAN"]));
        return { rowCount: 0 };
      },
    } as unknown as pg.PoolClient;
    await deleteExpiredJobs(explaining, { doneDays: 7, failedDays: 30, batchSize: 1_000 });
    const plan = explained.join("\n");
    expect(plan).toContain("jobs_finished_idx");
    expect(plan).toContain("Index Scan using jobs_pkey on jobs");
    expect(plan).not.toMatch(/Seq Scan on jobs\b/);
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
      retention: KEEP_ALL,
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
