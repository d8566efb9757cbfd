// The job queue in PostgreSQL (the api's migration 2 creates `jobs`). A job is claimed with
// FOR UPDATE SKIP LOCKED, so workers that claim at once never take the same row and never wait for
// each other; the claim commits at once with a lease (run_at moves to the lease's end) and a claim
// token, so a worker that dies mid-job leaves the job to be claimed again when the lease ends. The
// job's own work and its completion commit in one transaction that still holds the claim: a worker
// whose lease was taken over finishes nothing, and its work rolls back with it.
import { randomUUID } from "node:crypto";
import type pg from "pg";

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: unknown;
  /** This attempt's number, from 1. */
  attempt: number;
  maxAttempts: number;
  /** The token the completion must present: another worker's claim replaces it. */
  claim: string;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/**
 * Claims the oldest due job, or none. Due: pending with its time come, or running with its lease
 * run out (its worker died). Its attempt counts from here, so a job that kills its worker every
 * time still runs out of attempts.
 */
export async function claimJob(
  db: Queryable,
  leaseSeconds: number,
): Promise<ClaimedJob | undefined> {
  const { rows } = await db.query<{
    id: string;
    kind: string;
    payload: unknown;
    attempts: number;
    max_attempts: number;
    claim: string;
  }>(
    `UPDATE jobs
        SET state = 'running', attempts = attempts + 1, claim = $1,
            run_at = now() + make_interval(secs => $2)
      WHERE id = (
        SELECT id FROM jobs
         WHERE state IN ('pending', 'running') AND run_at <= now() AND attempts < max_attempts
         ORDER BY run_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED
      )
  RETURNING id::text AS id, kind, payload, attempts, max_attempts, claim::text AS claim`,
    [randomUUID(), leaseSeconds],
  );
  const row = rows[0];
  return row === undefined
    ? undefined
    : {
        id: row.id,
        kind: row.kind,
        payload: row.payload,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        claim: row.claim,
      };
}

/**
 * Sets aside the jobs whose last attempt died with its worker (lease over, no attempt left): they
 * would never be claimed again, and a person should see why.
 */
export async function setAsideAbandoned(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE jobs
        SET state = 'failed', finished_at = now(), claim = NULL,
            last_error = 'the worker stopped during its last attempt (lease expired)'
      WHERE state = 'running' AND run_at <= now() AND attempts >= max_attempts`,
  );
  return rowCount ?? 0;
}

/** How long finished jobs are kept, counted from `finished_at`, and how many go per statement. */
export interface Retention {
  /** Done jobs: kept for a look back at what ran. */
  doneDays: number;
  /** Failed jobs: kept longer, for a person to see why they failed. */
  failedDays: number;
  batchSize: number;
}

/**
 * Deletes up to `batchSize` finished jobs past their retention and returns how many: without it the
 * table grows by a row per item for ever, and with it every scan and backup. Rows another worker is
 * deleting at the same time are skipped, not waited for; pending and running jobs are never touched.
 */
export async function deleteExpiredJobs(db: Queryable, retention: Retention): Promise<number> {
  // `id = ANY (ARRAY(…))` runs the select once and then deletes by primary key; `id IN (…)` let
  // the planner join it against a scan of the whole table (a hash semi join over 200k rows, seen
  // with EXPLAIN on PostgreSQL 15).
  const { rowCount } = await db.query(
    `DELETE FROM jobs
      WHERE id = ANY (ARRAY(
        SELECT id FROM jobs
         WHERE (state = 'done' AND finished_at < now() - make_interval(days => $1))
            OR (state = 'failed' AND finished_at < now() - make_interval(days => $2))
         LIMIT $3
         FOR UPDATE SKIP LOCKED
      ))`,
    [retention.doneDays, retention.failedDays, retention.batchSize],
  );
  return rowCount ?? 0;
}

/** Thrown when the claim was taken over: the lease ran out and another worker has the job. */
export class LostClaimError extends Error {
  constructor(job: Pick<ClaimedJob, "id">) {
    super(
      `job ${job.id}: the lease ran out and another worker claimed it; this attempt is dropped`,
    );
    this.name = "LostClaimError";
  }
}

/** Marks the job done inside the transaction of `client` that did its work. */
export async function completeJob(client: pg.PoolClient, job: ClaimedJob): Promise<void> {
  const { rowCount } = await client.query(
    `UPDATE jobs SET state = 'done', finished_at = now(), claim = NULL, last_error = NULL
      WHERE id = $1 AND claim = $2 AND state = 'running'`,
    [job.id, job.claim],
  );
  if (rowCount !== 1) throw new LostClaimError(job);
}

/** What becomes of a failed attempt. */
export type FailureOutcome = { retryInMs: number } | "set aside" | "claim lost";

/**
 * Records a failed attempt: the job is due again after `retryInMs`, or, its attempts used up, set
 * aside as failed with the error. Only while the claim is still this worker's.
 */
export async function failJob(
  db: Queryable,
  job: ClaimedJob,
  error: string,
  retryInMs: number,
): Promise<FailureOutcome> {
  const lastAttempt = job.attempt >= job.maxAttempts;
  const { rowCount } = await db.query(
    lastAttempt
      ? `UPDATE jobs SET state = 'failed', finished_at = now(), claim = NULL, last_error = $3
          WHERE id = $1 AND claim = $2 AND state = 'running'`
      : `UPDATE jobs SET state = 'pending', claim = NULL, last_error = $3,
                run_at = now() + make_interval(secs => $4::double precision / 1000)
          WHERE id = $1 AND claim = $2 AND state = 'running'`,
    lastAttempt ? [job.id, job.claim, error] : [job.id, job.claim, error, retryInMs],
  );
  if (rowCount !== 1) return "claim lost";
  return lastAttempt ? "set aside" : { retryInMs };
}

/**
 * How long before attempt `attempt + 1`: exponential from `baseMs`, capped at `maxMs`, with "equal
 * jitter" (half fixed, half random) so that jobs failing together do not all come back together.
 */
export function backoffMs(
  attempt: number,
  { baseMs, maxMs }: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
