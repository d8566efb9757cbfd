// `pnpm migrate` (`node src/migrate-cli.ts`): applies pending migrations to DATABASE_URL and exits,
// for deployments that run migrations as a release step (with MIGRATE_ON_START=false on the
// servers). On the platform it is App Platform's PRE_DEPLOY job: DATABASE_URL is then the schema
// owner's connection and DATABASE_ROLES every service's role with the access its catalog binding
// names, granted in the same transaction. A non-zero exit fails the deployment before traffic moves.
import { ConfigError, loadConfig } from "./config.ts";
import { createPool } from "./db.ts";
import { createLogger } from "./logger.ts";
import { migrate } from "./migrations.ts";

const logger = createLogger("info");
try {
  const config = loadConfig(process.env);
  const pool = createPool(
    config.DATABASE_URL,
    {
      caCert: config.DATABASE_CA_CERT,
      poolMax: 1,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    },
    logger.child({ pool: "migrations" }),
  );
  try {
    // Unset DATABASE_ROLES grants and revokes nothing; set, it is every role there is to keep.
    const result = await migrate(pool, undefined, { roles: config.DATABASE_ROLES });
    logger.info(
      {
        applied: result.applied,
        alreadyApplied: result.alreadyApplied,
        granted: result.granted,
        revoked: result.revoked,
      },
      "database schema is up to date",
    );
  } finally {
    await pool.end();
  }
} catch (error) {
  if (error instanceof ConfigError)
    logger.fatal({ problems: error.problems }, "invalid configuration");
  else logger.fatal({ err: error }, "migrations failed");
  process.exitCode = 1;
}
