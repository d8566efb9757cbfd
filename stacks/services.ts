// The sample services the platform runs, as the stack builds and routes them. Paths are relative
// to the directory of Pulumi.yaml: each image builds from the repository root, so the workspace
// lockfile is inside its context.

export interface SampleService {
  /** Component name in the app and repository name in the registry. */
  name: "web" | "api";
  context: string;
  dockerfile: string;
  httpPort: number;
  /** Public path prefix; App Platform strips it before forwarding. */
  routePrefix: string;
  /** Health route as the service sees it (also the load balancer's monitor path for the api). */
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

export const API: SampleService = {
  name: "api",
  context: ".",
  dockerfile: "services/api/Dockerfile",
  httpPort: 3001,
  routePrefix: "/api",
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
