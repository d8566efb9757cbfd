// The private network: a VPC in every datacenter the apps or the database use, peered with each
// other, so no database connection leaves DigitalOcean's private network.
import * as pulumi from "@pulumi/pulumi";
import { PrivateNetwork } from "../infra/core/private-network.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { Foundation } from "./foundation.ts";
import { environmentPrefix } from "../infra/core/component.ts";

/** Every datacenter that needs a VPC: the apps' regions and the database replicas' regions. */
export function networkDatacenters(config: PlatformConfig, foundation: Foundation): string[] {
  return [
    ...new Set([
      ...foundation.regions.map((region) => region.datacenter),
      ...config.database.replicas.map((replica) => replica.region),
    ]),
  ];
}

export function buildNetwork(config: PlatformConfig, foundation: Foundation): PrivateNetwork {
  // The VPCs were children of the database component before the network became a tier of its
  // own; the alias keeps them (and the cluster inside them) instead of replacing them.
  const formerParent = pulumi.createUrn("database", "platform:data:PostgresCluster");
  return new PrivateNetwork("network", {
    namePrefix: environmentPrefix(config.environment),
    datacenters: networkDatacenters(config, foundation),
    retainOnDelete: foundation.production,
    vpcOptions: (datacenter) => ({
      aliases: [{ name: `database-vpc-${datacenter}`, parent: formerParent }],
    }),
  });
}
