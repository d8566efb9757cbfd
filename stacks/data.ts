// The data tier: managed PostgreSQL with its standbys, replicas and pool, closed by a firewall
// that admits only the platform's private networks from the moment the cluster exists.
import type { PrivateNetwork } from "../infra/core/private-network.ts";
import { DatabaseFirewall } from "../infra/data/database-firewall.ts";
import { PostgresCluster } from "../infra/data/postgres-cluster.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { Foundation } from "./foundation.ts";

export interface DataTier {
  database: PostgresCluster;
  firewall: DatabaseFirewall;
}

export function buildData(
  config: PlatformConfig,
  foundation: Foundation,
  network: PrivateNetwork,
): DataTier {
  const database = new PostgresCluster("database", {
    clusterName: `platform-${config.environment}`,
    engineVersion: config.database.engineVersion,
    region: config.regions.primary,
    size: config.database.size,
    standbyNodes: config.database.standbys,
    replicas: config.database.replicas,
    maintenanceWindow: config.database.maintenanceWindow,
    poolSize: config.database.poolSize,
    vpcIds: network.vpcIds,
    projectId: foundation.project.projectId,
    tags: foundation.tags,
    protect: foundation.production,
  });
  const firewall = new DatabaseFirewall("database-firewall", {
    databases: database.guardedDatabases,
    // Each app joins its region's VPC: those ranges, and nothing wider, may connect.
    networks: foundation.regions.map(({ datacenter }) => ({
      name: `vpc ${datacenter}`,
      ipRange: network.ipRangeOf(datacenter),
    })),
    ipRanges: config.database.trustedIpRanges,
  });
  return { database, firewall };
}
