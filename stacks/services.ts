// The sample services the platform runs, as the stack builds and routes them. Paths are relative
// to the directory of Pulumi.yaml: each image builds from the repository root, so the workspace
// lockfile is inside its context.

export interface SampleService {
  /** Component name in the app and repository name in the registry. */
  name: "web" | "api";
  context: string;
  dockerfile: string;
  httpPort: number;
  /** Public path prefix; App Platform strips it before forwarding. Undefined: internal only. */
  routePrefix: string | undefined;
  /** Liveness route as the service sees it: App Platform's own health check. */
  healthCheckPath: string;
}

export const WEB: SampleService = {
  name: "web",
  context: ".",
  dockerfile: "services/web/Dockerfile",
  httpPort: 3000,
  routePrefix: "/",
  healthCheckPath: "/healthz",
};

/** What the load balancer's monitors request: the web's readiness, which asks the api's. */
export const WEB_READINESS_PATH = "/readyz";

export const API: SampleService = {
  name: "api",
  context: ".",
  dockerfile: "services/api/Dockerfile",
  httpPort: 3001,
  // Not publicly routed: only the web reaches it, server-side. Public requests still write through
  // the web's form, a public, unauthenticated write: rate-limited per client at the edge
  // (infra/edge/edge-rules.ts, rateLimitRules) and again by each web instance
  // (services/web/lib/form-guard.ts), its text checked by both services.
  routePrefix: undefined,
  healthCheckPath: "/healthz",
};

export const SAMPLE_SERVICES = [WEB, API] as const;

/** The release step that migrates the database before every deployment (App `PRE_DEPLOY` job). */
export const MIGRATION_JOB = {
  name: "migrate",
  /** Runs in the api's image, whose working directory holds `src/`. */
  runCommand: "node src/migrate-cli.ts",
  /** The smallest size: the job opens one connection and exits. */
  size: "apps-s-1vcpu-0.5gb",
} as const;
