// The service catalog: every service the platform runs, what it is and what it uses. Everything
// else derives from this list: the images the stack builds, each region's App components, the env
// each service gets from its bindings, a database role per service, the uptime checks, the CI's
// image jobs and required checks, `pnpm dev`, the plan's and the README's tables. What varies per
// environment (size, instances or autoscaling) is stack config: `platform:services.<name>`.
//
// Adding a service is its folder, one entry here and its sizing lines in each stack file
// (README, "Add a service"). Pure data: `pnpm dev`, the CI and the bootstrap read it without
// loading Pulumi. `catalogProblems` (stacks/config/service-catalog-rules.ts) checks it before a
// single resource is registered.
import type { DatabaseAccess } from "@platform/runtime/contract";

/**
 * - `web`: publicly routed under `route` on the app's hostname, behind the edge;
 * - `internal`: reachable only by the app's other components, at `http://<name>:<port>`;
 * - `worker`: a background process with no route and no port of its own (optionally a liveness
 *   port, which only App Platform's liveness check calls).
 */
export type ServiceKind = "web" | "internal" | "worker";

export const SERVICE_KINDS: readonly ServiceKind[] = ["web", "internal", "worker"];

export interface ServiceUses {
  /** The database role the service gets: `none` gets no database URL at all. */
  database: "none" | DatabaseAccess;
  /** Services it calls, by name: each becomes `<NAME>_URL` in its env. */
  services: readonly string[];
  /** Whether it gets the assets bucket's public URL (`ASSETS_URL`). */
  assets: boolean;
}

/** Values of the platform a build argument can take. */
export type BuildValue = "appHost";

export interface CatalogService {
  /**
   * Component name in each region's app, repository in the registry, key under
   * `platform:services` and database role: lower-case letters, digits and dashes.
   */
  name: string;
  /** One line for the README's table and the config reference. */
  description: string;
  kind: ServiceKind;
  /** The service's folder, a workspace package: `pnpm dev` runs it there. */
  folder: string;
  /** Its Dockerfile; every image builds with the repository root as context. */
  dockerfile: string;
  /** The port it listens on (web and internal; a worker has none). */
  port?: number;
  /** The public path prefix (web only), e.g. `/`; App Platform strips it before forwarding. */
  route?: string;
  /** Liveness, as the service sees it: App Platform's health check (web and internal). */
  healthPath?: string;
  /**
   * A worker's liveness endpoint (workers only): App Platform's liveness health check asks `path`
   * on `port` and restarts a worker that fails it, so that one that hangs without exiting is
   * replaced. The worker gets the port as `PORT`; no route leads to it.
   */
  liveness?: { port: number; path: string };
  /**
   * Readiness, as the service sees it (web): what the uptime checks and the load balancer's
   * monitors ask through the edge. A service that uses others answers it only when they are ready.
   */
  readinessPath?: string;
  uses: ServiceUses;
  /** Build arguments of its image, each a value of the platform. @default {} */
  buildArgs?: Readonly<Record<string, BuildValue>>;
  /**
   * Watch its server spans' error rate and p95 latency in the APM backend, when the stack has one
   * (`monitoring.apm`). Each such service gets monitors of its own. @default false
   */
  apmMonitors?: boolean;
  /** Plain env vars it always gets in the cloud. @default {} */
  env?: Readonly<Record<string, string>>;
  /**
   * Its image carries the database migrations: each region's app runs `runCommand` in it as the
   * `PRE_DEPLOY` job, as the schema's owner, which grants every service's role its access.
   */
  migrations?: { runCommand: string };
  /** How `pnpm dev` runs it: Node with these arguments, in its folder. */
  local: { nodeArgs: readonly string[]; env?: Readonly<Record<string, string>> };
}

export const SERVICE_CATALOG: readonly CatalogService[] = [
  {
    name: "web",
    description: "The Next.js front end: the items page and its form.",
    kind: "web",
    folder: "services/web",
    dockerfile: "services/web/Dockerfile",
    port: 3000,
    route: "/",
    healthPath: "/healthz",
    // The web answers ready when the api does, which asks its database.
    readinessPath: "/readyz",
    uses: { database: "none", services: ["api"], assets: false },
    // Behind the load balancer the app sees its own Host, not the public one browsers send: Next's
    // Server Actions check the Origin against this list (services/web/next.config.ts).
    buildArgs: { SERVER_ACTIONS_ALLOWED_ORIGINS: "appHost" },
    // App Platform sets HOSTNAME to the container's name; Next's server listens on it.
    env: { HOSTNAME: "0.0.0.0" },
    local: {
      nodeArgs: ["node_modules/next/dist/bin/next", "dev"],
      env: { NEXT_TELEMETRY_DISABLED: "1" },
    },
  },
  {
    name: "api",
    description:
      "The items API over PostgreSQL; records a job for every item it creates. Not publicly routed: only the web reaches it, server-side.",
    kind: "internal",
    folder: "services/api",
    dockerfile: "services/api/Dockerfile",
    port: 3001,
    healthPath: "/healthz",
    uses: { database: "readwrite", services: [], assets: false },
    apmMonitors: true,
    migrations: { runCommand: "node src/migrate-cli.ts" },
    local: { nodeArgs: ["--watch", "src/server.ts"], env: { HOST: "127.0.0.1" } },
  },
  {
    name: "processor",
    description:
      "A background worker: claims the api's jobs from PostgreSQL, processes each new item, retries with backoff and sets aside a job that keeps failing.",
    kind: "worker",
    folder: "services/processor",
    dockerfile: "services/processor/Dockerfile",
    liveness: { port: 3003, path: "/livez" },
    uses: { database: "readwrite", services: [], assets: false },
    local: { nodeArgs: ["--watch", "src/main.ts"] },
  },
];

/** The catalog entry named `name`. */
export function catalogService(
  name: string,
  catalog: readonly CatalogService[] = SERVICE_CATALOG,
): CatalogService {
  const service = catalog.find((candidate) => candidate.name === name);
  if (service === undefined) throw new Error(`the service catalog has no service ${name}`);
  return service;
}

/** The services in an order where each comes after every service it uses. */
export function dependencyOrder(catalog: readonly CatalogService[]): CatalogService[] {
  const ordered: CatalogService[] = [];
  const visit = (service: CatalogService, path: readonly string[]) => {
    if (ordered.includes(service) || path.includes(service.name)) return;
    for (const used of service.uses.services) {
      const dependency = catalog.find((candidate) => candidate.name === used);
      if (dependency !== undefined) visit(dependency, [...path, service.name]);
    }
    ordered.push(service);
  };
  for (const service of catalog) visit(service, []);
  return ordered;
}

/** The port a service listens on (`PORT`): its own, or a worker's liveness endpoint's; none else. */
export function listeningPortOf(service: CatalogService): number | undefined {
  return service.port ?? service.liveness?.port;
}

/** The public services: routed under their `route` on the app's hostname. */
export function publicServices(catalog: readonly CatalogService[]): CatalogService[] {
  return catalog.filter((service) => service.kind === "web");
}

/** What a check of a public service asks through the edge: its readiness, else its liveness. */
export function probePathOf(service: CatalogService): string {
  const path = service.readinessPath ?? service.healthPath ?? "/";
  const prefix = (service.route ?? "/").replace(/\/+$/, "");
  return `${prefix}${path}`;
}

/**
 * What the load balancer's monitors ask each region's app: the probe of the service at the app's
 * root (the catalog rules require one).
 */
export function edgeProbePath(catalog: readonly CatalogService[]): string {
  const root = publicServices(catalog).find((service) => service.route === "/");
  if (root === undefined) throw new Error("the service catalog has no web service routed at /");
  return probePathOf(root);
}

/** One row of the CI's image matrix: the check `Image <name>` builds `dockerfile`. */
export interface ImageMatrixRow {
  name: string;
  dockerfile: string;
}

/** The images the checks build, one job each (.github/workflows/checks.yml, `images` matrix). */
export function imageMatrix(
  catalog: readonly CatalogService[] = SERVICE_CATALOG,
): ImageMatrixRow[] {
  return catalog.map(({ name, dockerfile }) => ({ name, dockerfile }));
}
