import type * as DigitalOcean from "@pulumi/digitalocean";
import { digitalocean } from "../sdk/digitalocean.ts";
import * as pulumi from "@pulumi/pulumi";
import { databaseMemoryGb, STANDBY_MIN_MEMORY_GB } from "./database-sizes.ts";
import { postgresUrl } from "./postgres-url.ts";
import { PlatformComponent } from "../core/component.ts";

export interface PostgresReplicaArgs {
  /** Datacenter of the read-only replica, e.g. `ams3`. */
  region: string;
  /** Size slug of the replica, e.g. `db-s-2vcpu-4gb`. */
  size: string;
}

export interface PostgresClusterArgs {
  /** Name of the cluster in DigitalOcean; unique in the account. */
  clusterName: string;
  /** PostgreSQL major version, e.g. `"17"`. */
  engineVersion: string;
  /** Datacenter of the primary, e.g. `fra1`. */
  region: string;
  /** Size slug of the primary and of each standby, e.g. `db-s-2vcpu-4gb`. */
  size: string;
  /**
   * Standby nodes that take over automatically when the primary fails (0 to 2). Standbys need a
   * size with at least 2 GB of memory.
   * @default 0
   */
  standbyNodes?: number;
  /**
   * Read-only replicas, each in its own datacenter.
   * @default []
   */
  replicas?: PostgresReplicaArgs[];
  /** Weekly window in which DigitalOcean applies updates; `hour` in UTC as `HH:00`. */
  maintenanceWindow: { day: string; hour: string };
  /**
   * Name of the application database.
   * @default "app"
   */
  databaseName?: string;
  /**
   * One database user per service that uses the database, each with a transaction-mode pool of
   * its own on the primary: the apps never connect as `doadmin`, and no two services share a
   * role. What each may do is granted by the migration job (`DATABASE_ROLES`), not here:
   * DigitalOcean creates a user with no privilege beyond connecting.
   */
  roles: DatabaseRoleArgs[];
  /** Connections of all the roles' pools together, shared equally (`poolShares`). */
  poolSize: number;
  /**
   * VPC by datacenter: the primary's datacenter and every replica's need one (`PrivateNetwork`).
   * Every connection string the cluster hands out uses these private networks.
   */
  vpcIds: Record<string, pulumi.Input<string>>;
  /**
   * DigitalOcean project the cluster is filed under.
   * @default the account's default project
   */
  projectId?: pulumi.Input<string>;
  /**
   * Tags for the cluster and its replicas.
   * @default []
   */
  tags?: string[];
  /**
   * Keep the cluster, its replicas and the application database from being deleted: Pulumi
   * refuses to delete them (`protect`), and a removal from the program leaves them, and the
   * user and pool on them, in the cloud (`retainOnDelete`). Turn on for production.
   * @default false
   */
  protect?: boolean;
  /**
   * Part of the logical names of the primary and what lives on it (`<name>-cluster-<key>`,
   * `-database-<key>`, `-user-<key>`, `-pool-<key>`). Another key is another primary: a cluster
   * adopted by name (a restored one after a cut-over, a promoted replica) is imported beside the
   * old one, which then leaves the state, retained, instead of being replaced in place.
   * @default none (`<name>-cluster`, …)
   */
  resourceKey?: string;
}

export interface DatabaseRoleArgs {
  /** The role's name in PostgreSQL, e.g. `items`: lower-case letters, digits and `_`. */
  role: string;
  /** What the migration job grants it. */
  access: "read" | "readwrite";
}

/** The engine of every cluster: the resource and the topology auditors read say the same. */
const ENGINE = "pg";
/**
 * Every role's pool lends a server connection for one transaction at a time, so a pool of a few
 * connections serves many clients; session state (SET, LISTEN, advisory locks) does not survive.
 */
const POOL_MODE = "transaction";

/** The name of a role's pool in DigitalOcean. */
export const poolNameOf = (role: string) => `${role}-pool`;

/** One role as auditors see it: its access and its pool. */
export interface DatabaseRoleTopology {
  role: string;
  access: "read" | "readwrite";
  pool: { name: string; mode: typeof POOL_MODE; size: number };
}

/**
 * `total` connections shared among `count` pools: equal shares, the first ones one larger when
 * they do not divide evenly; every pool at least one connection.
 */
export function poolShares(total: number, count: number): number[] {
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, index) =>
    Math.max(1, base + (index < total % count ? 1 : 0)),
  );
}

/** A service role's connections: the primary through its pool, reads by datacenter (secret). */
export interface RoleConnections {
  /** The role through its pool on the primary's private host: for writes. */
  primary: pulumi.Output<string>;
  /** Read connection strings of the replicas' private hosts, by datacenter. */
  replicas: Record<string, pulumi.Output<string>>;
}

/** The non-secret shape of the data tier, for auditors. */
export interface DatabaseTopology {
  /** The primary cluster's name in DigitalOcean. */
  clusterName: string;
  engine: typeof ENGINE;
  version: string;
  region: string;
  size: string;
  /** Nodes in the primary cluster: the primary plus its standbys. */
  nodes: number;
  standbys: number;
  replicas: { name: string; region: string; size: string }[];
  database: string;
  /** A role per service that uses the database, each with its own pool. */
  roles: DatabaseRoleTopology[];
  maintenanceWindow: { day: string; hour: string };
  /** Whether deletion protection (protect + retainOnDelete) is on. */
  protected: boolean;
}

/** A database a firewall guards: the cluster or one of its replicas. */
export interface GuardedDatabase {
  name: string;
  id: pulumi.Output<string>;
}

const MAX_STANDBY_NODES = 2;

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function postgresClusterArgsProblems(args: PostgresClusterArgs): string[] {
  const problems: string[] = [];
  const standbys = args.standbyNodes ?? 0;
  if (!Number.isInteger(standbys) || standbys < 0 || standbys > MAX_STANDBY_NODES) {
    problems.push(`standbyNodes is ${standbys}; use a whole number from 0 to ${MAX_STANDBY_NODES}`);
  } else if (standbys > 0 && databaseMemoryGb(args.size) < STANDBY_MIN_MEMORY_GB) {
    problems.push(
      `size ${args.size} cannot have standby nodes; use a size with at least ${STANDBY_MIN_MEMORY_GB} GB, e.g. db-s-1vcpu-2gb`,
    );
  }
  if (!Number.isInteger(args.poolSize) || args.poolSize < Math.max(1, args.roles.length)) {
    problems.push(
      `poolSize is ${args.poolSize}; use a whole number of connections from ${Math.max(1, args.roles.length)} (one per role at least)`,
    );
  }
  const roleNames = args.roles.map(({ role }) => role);
  for (const role of roleNames) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role) || role === "doadmin") {
      problems.push(
        `role "${role}" is no name for a service's role; use lower-case letters, digits and _`,
      );
    }
  }
  if (new Set(roleNames).size !== roleNames.length) {
    problems.push(`roles repeat: ${roleNames.join(", ")}; give each service its own`);
  }
  for (const datacenter of new Set([args.region, ...(args.replicas ?? []).map((r) => r.region)])) {
    if (args.vpcIds[datacenter] === undefined) {
      problems.push(`vpcIds has no VPC for ${datacenter}; pass one for each datacenter used`);
    }
  }
  if (!/^([01]\d|2[0-3]):00$/.test(args.maintenanceWindow.hour)) {
    problems.push(
      `maintenanceWindow.hour is "${args.maintenanceWindow.hour}"; use a UTC hour as HH:00`,
    );
  }
  return problems;
}

export interface NamedReplica extends PostgresReplicaArgs {
  logicalName: string;
}

/** Logical names for the replicas: `<name>-replica-<region>`, numbered when a region has several. */
export function nameReplicas(
  name: string,
  replicas: readonly PostgresReplicaArgs[],
): NamedReplica[] {
  const seen = new Map<string, number>();
  return replicas.map((replica) => {
    const count = (seen.get(replica.region) ?? 0) + 1;
    seen.set(replica.region, count);
    const suffix = count === 1 ? "" : `-${count}`;
    return { ...replica, logicalName: `${name}-replica-${replica.region}${suffix}` };
  });
}

/** A service's role on the primary: its user and its pool. */
interface RoleResources extends DatabaseRoleArgs {
  user: DigitalOcean.DatabaseUser;
  pool: DigitalOcean.DatabaseConnectionPool;
  /** Connections of its pool. */
  size: number;
}

interface ReplicaResources extends NamedReplica {
  replica: DigitalOcean.DatabaseReplica;
}

/** The arguments with their defaults, and the resource options the defaults decide. */
interface ClusterSettings {
  standbyNodes: number;
  /** Nodes of the primary cluster: the primary and its standbys. */
  nodeCount: number;
  replicas: readonly PostgresReplicaArgs[];
  databaseName: string;
  protect: boolean;
  /** `-<resourceKey>`, or "" without one: the end of the primary's resources' names. */
  key: string;
  /** The cluster, its replicas and the database: protected and retained. */
  stateful: pulumi.CustomResourceOptions;
  /** Users and pools live on the primary, so they are retained with it: deleting them alone calls a cluster that may be gone. */
  onPrimary: pulumi.CustomResourceOptions;
}

/**
 * Managed PostgreSQL: a primary with standby nodes for automatic failover, read-only replicas,
 * an application database and user, and a transaction-mode connection pool for that user. The
 * firewall is a separate component (`DatabaseFirewall`), declared once the apps it admits exist.
 */
export class PostgresCluster extends PlatformComponent {
  /** Id of the primary cluster. */
  readonly clusterId: pulumi.Output<string>;
  /** The cluster and each replica, for the firewall that guards them. */
  readonly guardedDatabases: GuardedDatabase[];
  /** Each role's connections, by role (secret). */
  readonly connections: Record<string, RoleConnections>;
  /**
   * The administrator (`doadmin`, owner of the application database) on the primary's private
   * host, straight to PostgreSQL rather than through the pool: for the migration job alone, which
   * needs DDL and a transaction-scoped advisory lock (secret).
   */
  readonly migrationConnectionString: pulumi.Output<string>;
  /** The services' roles and their access, which the migration job grants. */
  readonly roles: DatabaseRoleArgs[];
  /** The CA certificate that signs the cluster's TLS certificates (public), for verify-full. */
  readonly caCertificate: pulumi.Output<string>;
  readonly topology: DatabaseTopology;

  constructor(name: string, args: PostgresClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data", "PostgresCluster", name, opts);
    this.checkArgs(postgresClusterArgsProblems(args));
    const settings = this.settingsOf(args);

    const cluster = this.createCluster(name, args, settings);
    const database = this.createDatabase(name, cluster, settings);
    const roles = this.createRoles(name, args, cluster, database, settings);
    const replicas = this.createReplicas(name, args, cluster, settings);

    this.clusterId = cluster.id;
    this.caCertificate = digitalocean.getDatabaseCaOutput(
      { clusterId: cluster.id },
      { parent: this },
    ).certificate;
    this.guardedDatabases = [
      { name: "cluster", id: cluster.id },
      ...replicas.map(({ logicalName, replica }) => ({
        name: logicalName.slice(name.length + 1),
        id: replica.uuid,
      })),
    ];
    this.connections = roleConnections(roles, replicas, database);
    this.migrationConnectionString = pulumi.secret(
      pulumi
        .all([cluster.user, cluster.password, cluster.privateHost, cluster.port, database.name])
        .apply(([adminUser, password, host, port, databaseName]) =>
          postgresUrl({ user: adminUser, password, host, port, database: databaseName }),
        ),
    );
    this.roles = args.roles;
    this.topology = topologyOf(args, settings, roles, replicas);
    this.registerOutputs({
      clusterId: this.clusterId,
      connections: this.connections,
      migrationConnectionString: this.migrationConnectionString,
      topology: this.topology,
    });
  }

  /** Where `role` writes: its pool on the primary. */
  primaryConnectionString(role: string): pulumi.Output<string> {
    return this.connectionsOf(role).primary;
  }

  /**
   * Where `role` reads from in `region`: the replica in that datacenter, else the primary.
   */
  readConnectionString(role: string, region: string): pulumi.Output<string> {
    const connections = this.connectionsOf(role);
    return connections.replicas[region] ?? connections.primary;
  }

  private connectionsOf(role: string): RoleConnections {
    const connections = this.connections[role];
    if (connections === undefined) {
      throw new Error(`PostgresCluster has no role ${role}; pass it in roles`);
    }
    return connections;
  }

  private settingsOf(args: PostgresClusterArgs): ClusterSettings {
    const protect = args.protect ?? false;
    const standbyNodes = args.standbyNodes ?? 0;
    return {
      standbyNodes,
      nodeCount: 1 + standbyNodes,
      replicas: args.replicas ?? [],
      databaseName: args.databaseName ?? "app",
      protect,
      key: args.resourceKey === undefined ? "" : `-${args.resourceKey}`,
      stateful: { parent: this, protect, retainOnDelete: protect },
      onPrimary: { parent: this, retainOnDelete: protect },
    };
  }

  private createCluster(
    name: string,
    args: PostgresClusterArgs,
    settings: ClusterSettings,
  ): DigitalOcean.DatabaseCluster {
    return new digitalocean.DatabaseCluster(
      `${name}-cluster${settings.key}`,
      {
        name: args.clusterName,
        engine: ENGINE,
        version: args.engineVersion,
        region: args.region,
        size: args.size,
        nodeCount: settings.nodeCount,
        privateNetworkUuid: args.vpcIds[args.region],
        projectId: args.projectId,
        maintenanceWindows: [args.maintenanceWindow],
        storageAutoscale: { enabled: true, thresholdPercent: 80, incrementGib: 10 },
        tags: args.tags ?? [],
      },
      settings.stateful,
    );
  }

  private createDatabase(
    name: string,
    cluster: DigitalOcean.DatabaseCluster,
    settings: ClusterSettings,
  ): DigitalOcean.DatabaseDb {
    return new digitalocean.DatabaseDb(
      `${name}-database${settings.key}`,
      { clusterId: cluster.id, name: settings.databaseName },
      settings.stateful,
    );
  }

  /** A user and a pool of its own for each role, the pool size shared out (`poolShares`). */
  private createRoles(
    name: string,
    args: PostgresClusterArgs,
    cluster: DigitalOcean.DatabaseCluster,
    database: DigitalOcean.DatabaseDb,
    settings: ClusterSettings,
  ): RoleResources[] {
    const shares = poolShares(args.poolSize, args.roles.length);
    return args.roles.map(({ role, access }, index) => {
      const user = new digitalocean.DatabaseUser(
        `${name}-user-${role}${settings.key}`,
        { clusterId: cluster.id, name: role },
        settings.onPrimary,
      );
      const size = shares[index] ?? 1;
      const pool = new digitalocean.DatabaseConnectionPool(
        `${name}-pool-${role}${settings.key}`,
        {
          clusterId: cluster.id,
          name: poolNameOf(role),
          mode: POOL_MODE,
          size,
          dbName: database.name,
          user: user.name,
        },
        // Every argument of a pool forces a replacement (resource_database_connection_pool.go in
        // terraform-provider-digitalocean: all ForceNew, no update), and a new service re-splits
        // the pool size among the roles. Created first, the new pool would ask for a name the old
        // one still holds ("422 pool name is not available", terraform-provider-digitalocean#925):
        // it is deleted first. Where pools are retained (production), the old one stays in the
        // cluster and the create still fails, so the README's Add a service has a production step.
        { ...settings.onPrimary, deleteBeforeReplace: true },
      );
      return { role, access, user, pool, size };
    });
  }

  private createReplicas(
    name: string,
    args: PostgresClusterArgs,
    cluster: DigitalOcean.DatabaseCluster,
    settings: ClusterSettings,
  ): ReplicaResources[] {
    return nameReplicas(name, settings.replicas).map((replica) => ({
      ...replica,
      replica: new digitalocean.DatabaseReplica(
        replica.logicalName,
        {
          clusterId: cluster.id,
          name: `${args.clusterName}${replica.logicalName.slice(name.length)}`,
          region: replica.region,
          size: replica.size,
          privateNetworkUuid: args.vpcIds[replica.region],
          tags: args.tags ?? [],
        },
        // A replica's tags cannot change in place (terraform-provider-digitalocean,
        // database/resource_database_replica.go: `tags` is ForceNew, while the cluster's update
        // sets its tags): a new tag would replace every replica, and fail on protected ones.
        { ...settings.stateful, ignoreChanges: ["tags"] },
      ),
    }));
  }
}

/**
 * Each role's connections. Private URIs and hosts only (the provider sets them from the API's
 * private connection: `setDatabaseConnectionInfo`, `setConnectionPoolInfo`): the apps sit in the
 * same VPCs (or peered ones), and a public host would send database traffic over the internet.
 */
function roleConnections(
  roles: readonly RoleResources[],
  replicas: readonly ReplicaResources[],
  database: DigitalOcean.DatabaseDb,
): Record<string, RoleConnections> {
  const connections: Record<string, RoleConnections> = {};
  for (const { role, user, pool } of roles) {
    const replicaUrls: Record<string, pulumi.Output<string>> = {};
    for (const { region, replica } of replicas) {
      // Replicas copy the primary's users, so each role reads from them too.
      replicaUrls[region] ??= pulumi.secret(
        pulumi
          .all([user.name, user.password, replica.privateHost, replica.port, database.name])
          .apply(([userName, password, host, port, databaseName]) =>
            postgresUrl({ user: userName, password, host, port, database: databaseName }),
          ),
      );
    }
    connections[role] = { primary: pulumi.secret(pool.privateUri), replicas: replicaUrls };
  }
  return connections;
}

/** The data tier as auditors read it, from the same values the resources were given. */
function topologyOf(
  args: PostgresClusterArgs,
  settings: ClusterSettings,
  roles: readonly RoleResources[],
  replicas: readonly ReplicaResources[],
): DatabaseTopology {
  return {
    clusterName: args.clusterName,
    engine: ENGINE,
    version: args.engineVersion,
    region: args.region,
    size: args.size,
    nodes: settings.nodeCount,
    standbys: settings.standbyNodes,
    replicas: replicas.map(({ logicalName, region, size }) => ({
      name: logicalName,
      region,
      size,
    })),
    database: settings.databaseName,
    roles: roles.map(({ role, access, size }) => ({
      role,
      access,
      pool: { name: poolNameOf(role), mode: POOL_MODE, size },
    })),
    maintenanceWindow: args.maintenanceWindow,
    protected: settings.protect,
  };
}
