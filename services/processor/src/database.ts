// The processor's connections: its own role, through its own pool on the primary (the platform's
// binding), with verified TLS when the managed database's CA is given.
import { databaseConnection } from "@platform/runtime/database";
import pg from "pg";
import type { Logger } from "pino";
import type { Config } from "./config.ts";

export function poolConfig(config: Config): pg.PoolConfig {
  return {
    ...databaseConnection(config.DATABASE_URL, config.DATABASE_CA_CERT),
    // One connection per job in hand, and one for the claims.
    max: config.WORKER_CONCURRENCY + 1,
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: "platform-processor",
  };
}

export function createPool(config: Config, logger: Logger): pg.Pool {
  const pool = new pg.Pool(poolConfig(config));
  // An idle client whose server went away emits here; the pool drops it and opens another.
  pool.on("error", (error) => {
    logger.warn({ err: error }, "idle database connection failed");
  });
  return pool;
}
