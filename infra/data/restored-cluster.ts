import { digitalocean } from "../sdk/digitalocean.ts";
import type * as pulumi from "@pulumi/pulumi";
import type { GuardedDatabase } from "./postgres-cluster.ts";
import { restoreStamp, utcTimestamp } from "./point-in-time.ts";
import { PlatformComponent } from "../core/component.ts";

export interface RestoredClusterArgs {
  /** Name of the live cluster whose backups are restored, e.g. `platform-production`. */
  sourceClusterName: string;
  /** The point in time to restore, ISO 8601 with an offset, e.g. `2026-11-03T10:15:00Z`. */
  at: string;
  /** PostgreSQL major version: the live cluster's. */
  engineVersion: string;
  /** Datacenter of the new cluster: the live cluster's, whose VPC it joins. */
  region: string;
  /** Size slug: the live cluster's (DigitalOcean refuses a smaller one). */
  size: string;
  /** VPC of `region`. */
  vpcId: pulumi.Input<string>;
  /** Weekly maintenance window, as the live cluster's. */
  maintenanceWindow: { day: string; hour: string };
  /**
   * DigitalOcean project the cluster is filed under.
   * @default the account's default project
   */
  projectId?: pulumi.Input<string>;
  /**
   * Tags; `restore` is added.
   * @default []
   */
  tags?: string[];
}

/** What an auditor reads of a restore in progress. */
export interface RestoreDescription {
  cluster: string;
  from: string;
  at: string;
  region: string;
  size: string;
  clusterId: pulumi.Output<string>;
  /** Private host of the restored primary, for verification from the VPC. */
  privateHost: pulumi.Output<string>;
}

/** DigitalOcean's limit on a cluster's name: 3 to 63 lower-case letters, digits and dashes. */
const CLUSTER_NAME = /^[a-z][a-z0-9-]{1,61}[a-z0-9]$/;

/** The restored cluster's name: the source's with `-restore-<UTC stamp>`. */
export function restoredClusterName(sourceClusterName: string, at: string): string {
  return `${sourceClusterName}-restore-${restoreStamp(at)}`;
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function restoredClusterArgsProblems(args: RestoredClusterArgs): string[] {
  const problems: string[] = [];
  if (Number.isNaN(new Date(args.at).getTime())) {
    problems.push(`at is "${args.at}"; give an ISO 8601 time such as 2026-11-03T10:15:00Z`);
  } else if (!CLUSTER_NAME.test(restoredClusterName(args.sourceClusterName, args.at))) {
    problems.push(
      `sourceClusterName "${args.sourceClusterName}" leaves no valid name for the restored cluster (${restoredClusterName(args.sourceClusterName, args.at)}); DigitalOcean takes 3 to 63 lower-case letters, digits and dashes`,
    );
  }
  return problems;
}

/**
 * A new cluster from the live one's backups at a point in time, beside it: DigitalOcean's fork
 * (`backup_restore`), which copies every database, user and setting of the source as of `at`,
 * into a single primary node (standbys and read-only nodes are added after a cut-over; "you must
 * restore to a new node and re-add any read-only or standby nodes", DigitalOcean's PostgreSQL
 * limits). Nothing of the live cluster is read or changed: the API names the source by name, and
 * the live cluster's resources stay exactly as they are (test/stacks/restore.test.ts). Like the
 * live cluster, it is closed by a `DatabaseFirewall` of its own (`guardedDatabase`).
 */
export class RestoredCluster extends PlatformComponent {
  readonly description: RestoreDescription;
  /** The restored cluster, for the firewall that guards it. */
  readonly guardedDatabase: GuardedDatabase;

  constructor(name: string, args: RestoredClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data", "RestoredCluster", name, opts);

    const problems = restoredClusterArgsProblems(args);
    this.checkArgs(problems);

    const at = utcTimestamp(new Date(args.at));
    const clusterName = restoredClusterName(args.sourceClusterName, args.at);
    // `backup_restore` is sent with the create request only: terraform-provider-digitalocean
    // digitalocean/database/resource_database_cluster.go reads it in the create function
    // (`expandBackupRestore` → godo DatabaseCreateRequest.BackupRestore {database_name,
    // backup_created_at}); the update function never looks at it and it is not ForceNew, so a
    // later change to it alone does nothing. Another point in time is another name (ForceNew),
    // hence another cluster. `database_name` is "the name of an existing database cluster";
    // `backup_created_at` an "ISO8601 combined date and time", which the fork restores to.
    const cluster = new digitalocean.DatabaseCluster(
      `${name}-cluster`,
      {
        name: clusterName,
        engine: "pg",
        version: args.engineVersion,
        region: args.region,
        size: args.size,
        nodeCount: 1,
        privateNetworkUuid: args.vpcId,
        projectId: args.projectId,
        maintenanceWindows: [args.maintenanceWindow],
        storageAutoscale: { enabled: true, thresholdPercent: 80, incrementGib: 10 },
        tags: [...(args.tags ?? []), "restore"],
        backupRestore: { databaseName: args.sourceClusterName, backupCreatedAt: at },
      },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.guardedDatabase = { name: "cluster", id: cluster.id };
    this.description = {
      cluster: clusterName,
      from: args.sourceClusterName,
      at,
      region: args.region,
      size: args.size,
      clusterId: cluster.id,
      privateHost: cluster.privateHost,
    };
    this.registerOutputs({ description: this.description });
  }
}
