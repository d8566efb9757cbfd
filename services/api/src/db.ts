// Two pools: writes always go to the primary; reads go to the read replica when one is configured.
// Without DATABASE_READ_URL both roles share one pool, so a single-database deployment opens no
// extra connections.
import { databaseConnection } from "@platform/runtime/database";
import pg from "pg";
import type { Logger } from "pino";

export interface DatabaseOptions {
  url: string;
  readUrl?: string | undefined;
  /** PEM CA bundle of a managed database; turns on verified TLS. */
  caCert?: string | undefined;
  poolMax: number;
  connectTimeoutMs: number;
  /**
   * How long a query may take before the api gives up on it and answers 503. Unset: no bound (the
   * migrations, whose DDL may rightly run long).
   */
  queryTimeoutMs?: number | undefined;
}

export interface Database {
  readonly write: pg.Pool;
  readonly read: pg.Pool;
  /** Answers within `timeoutMs` whether every pool can run a query. */
  check(timeoutMs: number): Promise<DatabaseHealth>;
  close(): Promise<void>;
}

export interface DatabaseHealth {
  ok: boolean;
  primary: "up" | "down";
  replica: "up" | "down" | "not configured";
}

/**
 * pg's connection-string parser turns `sslmode` into an `ssl` object that replaces ours, so with a
 * CA certificate the TLS parameters are dropped from the URL and TLS is set up from the certificate
 * alone (verified, as `sslmode=verify-full` would).
 *
 * A query is bounded on the client (`query_timeout`), not by the server's `statement_timeout`,
 * because the platform's writes go through DigitalOcean's connection pool, PgBouncer in
 * transaction mode, and there a server-side setting cannot be asked for:
 * - pg sends `statement_timeout` as a startup parameter (pg 8.23 `lib/client.js`,
 *   `getStartupConf`), which PgBouncer refuses with "unsupported startup parameter:
 *   statement_timeout" unless it is in `ignore_startup_parameters`, and then it is ignored
 *   (brianc/node-postgres#2103, pgbouncer/pgbouncer#525 and #907); a DigitalOcean pool refuses
 *   the `options` parameter the same way (uyuni-project/uyuni#6171, a pool on port 25061);
 * - a session `SET` would stick to whichever server connection the pooler lent, not to ours;
 * - DigitalOcean's PostgreSQL settings have no `statement_timeout` (terraform-provider-digitalocean
 *   `digitalocean/database/resource_database_postgres_config.go` lists every one it can set).
 * On the timeout pg fails the query with "Query read timeout" and pg-pool discards the connection
 * (pg-pool 3.14 `_release`: any error removes the client), so a late answer can never reach the
 * next query. A role-level `statement_timeout` (README) also frees the server's side.
 */
export function poolConfig(
  url: string,
  options: Pick<DatabaseOptions, "caCert" | "poolMax" | "connectTimeoutMs" | "queryTimeoutMs">,
): pg.PoolConfig {
  return {
    ...databaseConnection(url, options.caCert),
    max: options.poolMax,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A primary that vanished without closing its sockets is noticed by TCP keepalive instead of
    // leaving queries hanging forever.
    keepAlive: true,
    application_name: "platform-api",
    ...(options.queryTimeoutMs === undefined ? {} : { query_timeout: options.queryTimeoutMs }),
  };
}

export function createDatabase(options: DatabaseOptions, logger: Logger): Database {
  const write = createPool(options.url, options, logger.child({ pool: "primary" }));
  // A read URL that is the primary's own (pnpm dev gives both) is the primary: no second pool.
  const read =
    options.readUrl === undefined || options.readUrl === options.url
      ? write
      : createPool(options.readUrl, options, logger.child({ pool: "replica" }));

  return {
    write,
    read,
    async check(timeoutMs) {
      const [primary, replica] = await Promise.all([
        ping(write, timeoutMs),
        read === write ? Promise.resolve(undefined) : ping(read, timeoutMs),
      ]);
      const replicaState = replica === undefined ? "not configured" : replica ? "up" : "down";
      return {
        ok: primary && replica !== false,
        primary: primary ? "up" : "down",
        replica: replicaState,
      };
    },
    async close() {
      await Promise.all([write.end(), read === write ? undefined : read.end()]);
    },
  };
}

export function createPool(
  url: string,
  options: Pick<DatabaseOptions, "caCert" | "poolMax" | "connectTimeoutMs" | "queryTimeoutMs">,
  logger: Logger,
): pg.Pool {
  const pool = new pg.Pool(poolConfig(url, options));
  // An idle client whose server went away emits here; without a listener the process would crash.
  // The pool drops that client and the next query opens a new connection.
  pool.on("error", (error) => {
    logger.warn({ err: error }, "idle database connection failed");
  });
  return pool;
}

async function ping(pool: pg.Pool, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  const query = pool.query("SELECT 1").then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const UNAVAILABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

// SQLSTATEs that mean "the database cannot serve us right now" rather than "this query is wrong".
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown: the server is stopping
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or in recovery
  "53300", // too_many_connections
  "25006", // read_only_sql_transaction: a write reached a node that was just demoted
  "3D000", // invalid_catalog_name: the database does not exist (yet)
]);

const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Connection ended unexpectedly",
];

/**
 * Whether an error from `pg` means the database is unreachable (answer 503 and let the client or
 * load balancer retry) rather than a bug (500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  if (code !== undefined) {
    if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    // Class 08 is "connection exception"; class 28 is a login the server refused.
    if (/^(08|28)[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (UNAVAILABLE_MESSAGES.some((message) => error.message.includes(message))) return true;
  // Node reports a refused dual-stack connect (localhost) as an AggregateError of both attempts.
  if (error instanceof AggregateError) return error.errors.some(isDatabaseUnavailable);
  return false;
}

// SQLSTATEs of a query the server stopped because it took too long.
const TIMED_OUT_SQLSTATES = new Set([
  "57014", // query_canceled: statement_timeout (a role-level setting) or a cancel request
  "55P03", // lock_not_available: lock_timeout
]);

/**
 * Whether a query took longer than the api or the server allows: the database is there but too
 * slow or locked, which a client should retry later (503), not a bug (500).
 */
export function isDatabaseTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ("code" in error && typeof error.code === "string" && TIMED_OUT_SQLSTATES.has(error.code)) {
    return true;
  }
  // pg's own query_timeout (lib/client.js): a plain Error with this message.
  return error.message === "Query read timeout";
}

/**
 * Whether PostgreSQL refused a value the client sent (SQLSTATE class 22, "data exception": an
 * invalid byte sequence, a number out of range, a malformed literal). Such a request is the
 * client's fault, so it is a 400, never a 500.
 */
export function isDataException(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    /^22[0-9A-Z]{3}$/.test(error.code)
  );
}
