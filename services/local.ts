// How each service of the catalog (stacks/service-catalog.ts) runs on a laptop: the one place a
// harness learns the command, the folder, the port and the env of every service. `pnpm dev`
// (services/dev.ts) starts them with it; so can a test or a drill harness:
//
//   const launches = localLaunches({ databaseUrl, env: process.env });
//   for (const launch of launches) spawn(launch.command, launch.args, { cwd: launch.cwd, env: … });
//
// Launches come in dependency order (a service after those it uses), each with the env the cloud
// would give it, local values in place of the platform's: other services' URLs on 127.0.0.1, one
// database URL for every role, no origin lock, no telemetry.
import path from "node:path";
import { ENV, serviceUrlEnv } from "@platform/runtime/contract";
import {
  type CatalogService,
  dependencyOrder,
  SERVICE_CATALOG,
} from "../stacks/service-catalog.ts";

const REPOSITORY_ROOT = path.join(import.meta.dirname, "..");

export interface LocalLaunch {
  name: string;
  /** The service's folder, absolute. */
  cwd: string;
  /** Node itself: `command args…` in `cwd`. */
  command: string;
  args: string[];
  /** Added to the harness's own environment. */
  env: Record<string, string>;
  /** The port it listens on; undefined for a worker. */
  port: number | undefined;
  /** How to tell it is up: its liveness path answers, or it wrote this log message. */
  ready: { kind: "http"; url: string } | { kind: "log"; message: string };
  /** The variable that chooses its port (`WEB_PORT`), for messages. */
  portVariable: string | undefined;
}

export interface LocalOptions {
  /** The PostgreSQL every database-using service connects to. */
  databaseUrl: string | undefined;
  /** Where `<NAME>_PORT` overrides are read. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** @default SERVICE_CATALOG */
  catalog?: readonly CatalogService[];
}

/** The variable that moves a service's local port: `web` → `WEB_PORT`. */
export function portVariable(service: Pick<CatalogService, "name">): string {
  return `${service.name.toUpperCase().replaceAll("-", "_")}_PORT`;
}

/** What a worker logs once it claims jobs (services/processor/src/worker.ts). */
export const WORKER_READY_MESSAGE = "claiming jobs";

function portOf(service: CatalogService, env: LocalOptions["env"]): number | undefined {
  if (service.port === undefined) return undefined;
  const chosen = env?.[portVariable(service)];
  return chosen === undefined || chosen === "" ? service.port : Number(chosen);
}

export function localLaunches(options: LocalOptions): LocalLaunch[] {
  const catalog = options.catalog ?? SERVICE_CATALOG;
  const env = options.env ?? process.env;
  const ports = new Map(catalog.map((service) => [service.name, portOf(service, env)]));
  return dependencyOrder(catalog).map((service) => {
    const port = ports.get(service.name);
    const database: Record<string, string> =
      service.uses.database === "none" || options.databaseUrl === undefined
        ? {}
        : {
            ...(service.uses.database === "readwrite"
              ? { [ENV.databaseUrl]: options.databaseUrl }
              : {}),
            [ENV.databaseReadUrl]: options.databaseUrl,
          };
    const bindings = Object.fromEntries(
      service.uses.services.map((name) => [
        serviceUrlEnv(name),
        `http://127.0.0.1:${String(ports.get(name) ?? 0)}`,
      ]),
    );
    return {
      name: service.name,
      cwd: path.join(REPOSITORY_ROOT, service.folder),
      command: process.execPath,
      args: [...service.local.nodeArgs],
      env: {
        ...(port === undefined ? {} : { [ENV.port]: String(port) }),
        ...database,
        ...bindings,
        ...service.local.env,
      },
      port,
      ready:
        port === undefined
          ? { kind: "log", message: WORKER_READY_MESSAGE }
          : { kind: "http", url: `http://127.0.0.1:${String(port)}${service.healthPath ?? "/"}` },
      portVariable: service.port === undefined ? undefined : portVariable(service),
    };
  });
}
