// The web server's environment, parsed once on first use. Only server code reads it: nothing here
// is sent to the browser.
import { z } from "zod";

const EnvSchema = z.object({
  // In development the api runs beside the web app (pnpm dev); in production it must be set.
  API_URL: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL of the api" })
    .default("http://127.0.0.1:3001"),
  API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  // Comma-separated, newest first; the last is sent to the api, which every api instance accepts
  // during a rotation. Unset (local development): no origin lock.
  ORIGIN_LOCK_SECRETS: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((secret) => secret.trim())
        .filter((s) => s !== ""),
    )
    .pipe(z.array(z.string().min(32, { error: "each secret must be at least 32 characters" }))),
  SENTRY_DSN: z.url({ protocol: /^https?$/ }).optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_RELEASE: z.string().min(1).optional(),
});

export type WebConfig = z.infer<typeof EnvSchema>;

let cached: WebConfig | undefined;

export function webConfig(): WebConfig {
  if (cached !== undefined) return cached;
  const present = Object.fromEntries(
    Object.entries(process.env).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const result = EnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(
      `invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
  if (process.env.NODE_ENV === "production" && present.API_URL === undefined) {
    throw new Error("invalid environment:\n  - API_URL: is required in production");
  }
  cached = result.data;
  return cached;
}
