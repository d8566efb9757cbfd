// The env an image gets in the checks' start check (.github/scripts/image-start-check.sh): what
// its catalog bindings give it in the cloud, by the contract's names, with nothing real behind any
// value. Each image must start on it and pass its own HEALTHCHECK: liveness never waits for a
// dependency, so an unreachable database or service is what the check should survive. Imports
// the contract by path: the catalog job runs this before any install.
import { ENV, serviceUrlEnv } from "../../services/shared/src/contract.ts";
import {
  type CatalogService,
  catalogService,
  imageMatrix,
  listeningPortOf,
} from "../../stacks/service-catalog.ts";

/** A port nothing listens on: connections are refused at once. */
const UNREACHABLE = "127.0.0.1:9";

export function imageStartEnv(service: CatalogService): Record<string, string> {
  const database = `postgres://image-check:unused@${UNREACHABLE}/none`;
  const port = listeningPortOf(service);
  return {
    ...service.env,
    ...(port === undefined ? {} : { [ENV.port]: String(port) }),
    // Production refuses to start without it (the origin lock fails closed); 32 characters at least.
    [ENV.originLockSecrets]: "image-start-check-not-a-real-secret",
    ...(service.uses.database === "readwrite" ? { [ENV.databaseUrl]: database } : {}),
    ...(service.uses.database === "none" ? {} : { [ENV.databaseReadUrl]: database }),
    // In the cloud the release job migrates; here there is nothing to migrate.
    ...(service.migrations === undefined ? {} : { [ENV.migrateOnStart]: "false" }),
    ...(service.uses.assets ? { [ENV.assetsUrl]: "https://assets.invalid" } : {}),
    ...Object.fromEntries(
      service.uses.services.map((used) => [serviceUrlEnv(used), `http://${UNREACHABLE}`]),
    ),
  };
}

/** The checks' image matrix: each catalog service's image, and the env its start check uses. */
export function imageJobs() {
  return imageMatrix().map((row) => ({ ...row, env: imageStartEnv(catalogService(row.name)) }));
}
