// The data tier: managed PostgreSQL with its standbys, replicas and pool, closed by a firewall
// that admits only the platform's private networks from the moment the cluster exists; and, when
// the stack asks for one, a restore of its backups beside it.
import type { PrivateNetwork } from "../infra/core/private-network.ts";
import { DatabaseFirewall, type TrustedNetwork } from "../infra/data/database-firewall.ts";
import { PostgresCluster } from "../infra/data/postgres-cluster.ts";
import { RestoredCluster } from "../infra/data/restored-cluster.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { Foundation } from "./foundation.ts";
import { SERVICE_CATALOG, type CatalogService } from "./service-catalog.ts";
import { databaseRolesOf } from "./service-env.ts";
import { environmentPrefix } from "../infra/core/component.ts";

export interface DataTier {
  database: PostgresCluster;
  firewall: DatabaseFirewall;
  /** The restored copy `database.restore` asks for, and its firewall; nothing depends on them. */
  restore: { cluster: RestoredCluster; firewall: DatabaseFirewall } | undefined;
}

/** The primary cluster's name: `platform-<stack>`, unless the stack adopted another cluster. */
export function primaryClusterName(config: PlatformConfig): string {
  return config.database.clusterName ?? environmentPrefix(config.environment);
}

/** What the data tier builds on. */
export interface DataDependencies {
  foundation: Foundation;
  network: PrivateNetwork;
  /** Whose database roles the cluster holds. @default SERVICE_CATALOG */
  catalog?: readonly CatalogService[];
}

export function buildData(config: PlatformConfig, dependencies: DataDependencies): DataTier {
  const { foundation, network } = dependencies;
  const clusterName = primaryClusterName(config);
  const database = new PostgresCluster("database", {
    clusterName,
    engineVersion: config.database.engineVersion,
    region: config.regions.primary,
    size: config.database.size,
    standbyNodes: config.database.standbys,
    replicas: config.database.replicas,
    maintenanceWindow: config.database.maintenanceWindow,
    // A role per service that uses the database, with exactly the access its binding names.
    roles: databaseRolesOf(dependencies.catalog ?? SERVICE_CATALOG),
    poolSize: config.database.poolSize,
    vpcIds: network.vpcIds,
    projectId: foundation.project.projectId,
    tags: foundation.tags,
    protect: foundation.production,
    resourceKey: config.database.clusterName,
  });
  // Each app joins its region's VPC: those ranges, and nothing wider, may connect.
  const networks: TrustedNetwork[] = foundation.regions.map(({ datacenter }) => ({
    name: `vpc ${datacenter}`,
    ipRange: network.ipRangeOf(datacenter),
  }));
  const firewall = new DatabaseFirewall("database-firewall", {
    databases: database.guardedDatabases,
    networks,
    ipRanges: config.database.trustedIpRanges,
    retainOnDelete: foundation.production,
  });
  const restorePoint = config.database.restore;
  let restore: DataTier["restore"];
  if (restorePoint !== undefined) {
    // Apart from the live cluster's components, so that no app waits for it, and a failed or
    // discarded restore changes nothing they depend on.
    const cluster = new RestoredCluster(
      "database-restore",
      {
        sourceClusterName: clusterName,
        at: restorePoint.at,
        engineVersion: config.database.engineVersion,
        region: config.regions.primary,
        size: config.database.size,
        vpcId: network.vpcIdOf(config.regions.primary),
        maintenanceWindow: config.database.maintenanceWindow,
        projectId: foundation.project.projectId,
        tags: foundation.tags,
      },
      // DigitalOcean restores from a cluster that exists: after the live one on a first run.
      { dependsOn: [database] },
    );
    restore = {
      cluster,
      // What the live cluster admits, an operator's bastion included, to verify from.
      firewall: new DatabaseFirewall("database-restore-firewall", {
        databases: [cluster.guardedDatabase],
        networks,
        ipRanges: config.database.trustedIpRanges,
      }),
    };
  }
  return { database, firewall, restore };
}
