// The worker's loop: up to `concurrency` jobs in hand, each claimed from the queue, run by the
// handler of its kind inside a transaction that also completes it, retried with backoff when it
// fails, set aside when its attempts run out; finished jobs are deleted once past their retention.
// `close()` (SIGTERM) stops claiming and waits for the jobs in hand to finish. A database that is
// unreachable, or a schema that is not migrated yet, only delays the next claim.
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import type { Logger } from "pino";
import {
  backoffMs,
  type ClaimedJob,
  claimJob,
  completeJob,
  deleteExpiredJobs,
  failJob,
  LostClaimError,
  type Retention,
  setAsideAbandoned,
} from "./queue.ts";

/** Does a job's work with `client`, inside the transaction that completes the job. */
export type JobHandler = (client: pg.PoolClient, job: ClaimedJob) => Promise<void>;

/** What runs each job: a span around it, when telemetry is on. */
export type JobTracer = <T>(job: ClaimedJob, run: () => Promise<T>) => Promise<T>;

export interface WorkerOptions {
  pool: pg.Pool;
  logger: Logger;
  handlers: Readonly<Record<string, JobHandler>>;
  /** Jobs in hand at once. */
  concurrency: number;
  /** The wait before looking again when no job is due. */
  pollIntervalMs: number;
  /** How long a claim holds before another worker may take the job over. */
  leaseSeconds: number;
  backoff: { baseMs: number; maxMs: number };
  /**
   * Finished jobs past their retention are deleted while nothing is due, a batch at a time, at most
   * once per `intervalMs` unless the last batch was full (a backlog: then at the next poll).
   */
  retention: Retention & { intervalMs: number };
  /** Reports an error that is not the job's own (Sentry). */
  report?: (error: unknown, tags: Record<string, string>) => void;
  tracer?: JobTracer;
}

export interface Worker {
  /** Stops claiming and settles once the jobs in hand have finished. */
  close(): Promise<void>;
  /**
   * How long the oldest step in hand has run, in milliseconds: a claim, a sweep or a job; 0 while
   * every slot waits for the next poll. The liveness endpoint reads it (src/liveness.ts).
   */
  longestStepMs(): number;
}

/** SQLSTATE 42P01 (undefined_table): the schema is not migrated yet. */
const UNDEFINED_TABLE = "42P01";

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function startWorker(options: WorkerOptions): Worker {
  const { pool, logger, handlers } = options;
  const stopping = new AbortController();
  const trace: JobTracer = options.tracer ?? ((_job, run) => run());

  const run = async (job: ClaimedJob): Promise<void> => {
    const log = logger.child({ jobId: job.id, kind: job.kind, attempt: job.attempt });
    const handler = handlers[job.kind];
    const started = performance.now();
    try {
      if (handler === undefined) throw new Error(`no handler for jobs of kind ${job.kind}`);
      await trace(job, async () => {
        const client = await pool.connect();
        // A connection the server ends while the job holds it (a restart, a failover) fails the
        // query in flight, and pg also emits `error` on the client: the pool listens only to
        // idle clients, so without this the process would crash instead of retrying the job.
        const lost = (error: Error) => {
          log.warn({ err: error }, "database connection lost during the job");
        };
        client.on("error", lost);
        try {
          await client.query("BEGIN");
          await handler(client, job);
          await completeJob(client, job);
          await client.query("COMMIT");
          client.off("error", lost);
          client.release();
        } catch (error) {
          const broken = await client.query("ROLLBACK").then(
            () => false,
            () => true,
          );
          client.off("error", lost);
          client.release(broken);
          throw error;
        }
      });
      log.info({ durationMs: Math.round(performance.now() - started) }, "job done");
    } catch (error) {
      if (error instanceof LostClaimError) {
        log.warn({ err: error }, "job taken over by another worker");
        return;
      }
      let outcome: Awaited<ReturnType<typeof failJob>>;
      try {
        outcome = await failJob(
          pool,
          job,
          messageOf(error),
          backoffMs(job.attempt, options.backoff),
        );
      } catch (recordError) {
        // The database that failed the job may be gone (a restart): the failure cannot be
        // recorded, and need not be. The claim's lease ends, and the job is claimed again then,
        // this attempt counted.
        log.warn(
          { err: error, recordErr: recordError, leaseSeconds: options.leaseSeconds },
          "job failed and its failure could not be recorded; it runs again when its lease ends",
        );
        return;
      }
      if (outcome === "set aside") {
        log.error({ err: error }, "job failed for the last time: set aside");
        options.report?.(error, { jobId: job.id, kind: job.kind });
      } else if (outcome === "claim lost") {
        log.warn({ err: error }, "job failed after another worker took it over");
      } else {
        log.warn({ err: error, retryInMs: outcome.retryInMs }, "job failed; it will be retried");
      }
    }
  };

  // Shared by the slots: one of them sweeps at a time, the others go on claiming.
  let nextSweepAt = 0;
  const sweepExpired = async (): Promise<void> => {
    if (Date.now() < nextSweepAt) return;
    const { retention } = options;
    nextSweepAt = Number.POSITIVE_INFINITY;
    let deleted = 0;
    try {
      deleted = await deleteExpiredJobs(pool, retention);
      if (deleted > 0) logger.info({ deleted }, "deleted finished jobs past their retention");
      else logger.debug("no finished jobs past their retention");
    } catch (error) {
      logger.warn({ err: error }, "could not delete finished jobs; trying again later");
    } finally {
      nextSweepAt = Date.now() + (deleted === retention.batchSize ? 0 : retention.intervalMs);
    }
  };

  /**
   * When each slot's step in hand began (the monotonic clock: a wall clock set back or forward
   * would fake or hide a stall); undefined while the slot waits for the next poll.
   */
  const stepStartedAt: (number | undefined)[] = [];

  /** One slot: claims and runs jobs one after another until closed. */
  const slot = async (index: number): Promise<void> => {
    let idleMs = options.pollIntervalMs;
    while (!stopping.signal.aborted) {
      stepStartedAt[index] = performance.now();
      let job: ClaimedJob | undefined;
      try {
        job = await claimJob(pool, options.leaseSeconds);
        // Claims skip a job with no attempt left, so setting those aside can wait until nothing
        // is due: a busy worker does not pay an extra UPDATE for every job.
        if (job === undefined) await setAsideAbandoned(pool);
        idleMs = options.pollIntervalMs;
        if (job === undefined) await sweepExpired();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        logger.warn(
          { err: error, retryInMs: idleMs },
          code === UNDEFINED_TABLE
            ? "no jobs table yet (migrations pending); claiming again shortly"
            : "could not claim a job; claiming again shortly",
        );
        idleMs = Math.min(idleMs * 2, 30_000);
      }
      if (job !== undefined) {
        await run(job);
        continue;
      }
      stepStartedAt[index] = undefined;
      await sleep(idleMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
    stepStartedAt[index] = undefined;
  };

  const slots = Array.from({ length: options.concurrency }, (_, index) => slot(index));
  logger.info({ concurrency: options.concurrency, kinds: Object.keys(handlers) }, "claiming jobs");
  const finished = Promise.all(slots).then(() => undefined);
  return {
    async close() {
      stopping.abort();
      await finished;
    },
    longestStepMs() {
      const now = performance.now();
      return Math.max(
        0,
        ...stepStartedAt.map((started) => (started === undefined ? 0 : now - started)),
      );
    },
  };
}
