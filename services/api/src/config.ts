// The process environment is the api's only configuration; it is parsed once, here, and the rest
// of the code receives typed values.
import { z } from "zod";

const postgresUrl = z.url({
  protocol: /^postgres(ql)?$/,
  error: (issue) =>
    issue.input === undefined ? "is required" : "must be a postgres:// or postgresql:// URL",
});

const port = z.coerce.number().int().min(0).max(65_535);
const milliseconds = z.coerce.number().int().min(0).max(600_000);

const EnvSchema = z.object({
  HOST: z.string().min(1).default("0.0.0.0"),
  PORT: port.default(3001),
  DATABASE_URL: postgresUrl,
  DATABASE_READ_URL: postgresUrl.optional(),
  DATABASE_CA_CERT: z
    .string()
    .includes("-----BEGIN CERTIFICATE-----", { error: "must be a PEM certificate" })
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: milliseconds.default(3_000),
  MIGRATE_ON_START: z.stringbool().default(true),
  // PostgreSQL folds unquoted names to lower case; a role name with other characters is a typo.
  DATABASE_RUNTIME_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
      error: "must be a PostgreSQL role name: lower-case letters, digits and _",
    })
    .optional(),
  SHUTDOWN_TIMEOUT_MS: milliseconds.default(10_000),
  // Comma-separated secrets of the origin lock; unset (local development) admits every request.
  ORIGIN_LOCK_SECRETS: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((secret) => secret.trim())
        .filter((secret) => secret !== ""),
    )
    .pipe(z.array(z.string().min(32, { error: "each secret must be at least 32 characters" }))),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_RELEASE: z.string().min(1).optional(),
});

export type Config = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Parses the environment. Empty values count as unset, because platforms (and `.env` files) often
 * declare optional variables with an empty value. Problems name the variable but never echo its
 * value: DATABASE_URL carries a password.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
    );
  }
  return result.data;
}
