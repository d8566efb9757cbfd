import { digitalocean } from "../sdk/digitalocean.ts";
import * as pulumi from "@pulumi/pulumi";
import type { GuardedDatabase } from "./postgres-cluster.ts";
import { trustedRangeProblem } from "./trusted-sources.ts";
import { PlatformComponent } from "../core/component.ts";

/** A private network whose hosts may connect: the VPC an app region joins. */
export interface TrustedNetwork {
  /** Shown to auditors, e.g. `vpc fra1`. */
  name: string;
  /** The VPC's private range (`Vpc.ipRange`), e.g. `10.110.0.0/20`. */
  ipRange: pulumi.Input<string>;
}

export interface DatabaseFirewallArgs {
  /** The databases to guard: a cluster and its replicas (`PostgresCluster.guardedDatabases`). */
  databases: GuardedDatabase[];
  /**
   * The VPCs the apps join. Their ranges are private, so admitting them admits no address on
   * the internet; they exist before any app, so the firewall does not wait for the apps.
   */
  networks: TrustedNetwork[];
  /**
   * Further public addresses or ranges admitted, such as an operator's bastion. Each must be a
   * single address or a range of /24 (IPv4) or /56 (IPv6) or narrower.
   * @default []
   */
  ipRanges?: string[];
  /**
   * Leave the rules in place when a firewall leaves the program. Deleting one sets its
   * database's rules to none (terraform-provider-digitalocean
   * digitalocean/database/resource_database_firewall.go, `resourceDigitalOceanDatabaseFirewallDelete`
   * sends an empty list), and a database without rules admits every address. Turn on for
   * production, whose clusters outlive their place in the program (README, Runbooks).
   * @default false
   */
  retainOnDelete?: boolean;
}

export interface TrustedSource {
  type: "ip_addr";
  value: string;
  /** Why the source is trusted: `vpc <datacenter>` or `stack config`. */
  source: string;
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function databaseFirewallArgsProblems(args: DatabaseFirewallArgs): string[] {
  const problems: string[] = [];
  if (args.databases.length === 0) problems.push("databases is empty; pass the cluster to guard");
  if (args.networks.length === 0 && (args.ipRanges ?? []).length === 0) {
    problems.push(
      "no trusted source: a firewall without rules leaves the database open to every address; pass the apps' VPCs",
    );
  }
  for (const range of args.ipRanges ?? []) {
    const problem = trustedRangeProblem(range);
    if (problem !== undefined)
      problems.push(`ipRanges entry "${range}" ${problem}; name a narrower range`);
  }
  return problems;
}

/**
 * The trusted sources of a managed database and its replicas: the private ranges of the VPCs the
 * apps join, and any narrow address ranges asked for. A new DigitalOcean cluster admits every
 * address until its firewall exists, so the rules depend on nothing but the cluster and the VPCs:
 * the firewall is created the moment the cluster is, before any app deploys (the apps wait for it),
 * instead of after them.
 */
export class DatabaseFirewall extends PlatformComponent {
  /** The rules every guarded database carries, for auditors. */
  readonly trustedSources: pulumi.Output<TrustedSource[]>;
  /** The firewall resources, for whatever must wait until the databases are closed. */
  readonly firewalls: pulumi.Resource[];

  constructor(name: string, args: DatabaseFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("data", "DatabaseFirewall", name, opts);

    const problems = databaseFirewallArgsProblems(args);
    this.checkArgs(problems);

    // `ip_addr` takes an address or a CIDR range (terraform-provider-digitalocean,
    // digitalocean/database/resource_database_firewall.go: rule types ip_addr, droplet, k8s,
    // tag, app; DigitalOcean's "How to Secure PostgreSQL Managed Database Clusters": "a CIDR
    // range"). Not `app`: it matches an app's public egress only, not its VPC address
    // (digitalocean-labs/do-app-platform-skills, networking/reference/vpc-trusted-sources.md).
    // One firewall resource per database: each PUTs the whole rule list.
    const sources = pulumi.output([
      ...args.networks.map((network) =>
        pulumi
          .output(network.ipRange)
          .apply((value): TrustedSource => ({ type: "ip_addr", value, source: network.name })),
      ),
      ...(args.ipRanges ?? []).map((value): TrustedSource => ({
        type: "ip_addr",
        value,
        source: "stack config",
      })),
    ]);
    const rules = sources.apply((list) => list.map(({ type, value }) => ({ type, value })));
    this.firewalls = args.databases.map(
      (database) =>
        new digitalocean.DatabaseFirewall(
          `${name}-${database.name}`,
          { clusterId: database.id, rules },
          { parent: this, retainOnDelete: args.retainOnDelete ?? false },
        ),
    );

    this.trustedSources = sources;
    this.registerOutputs({ trustedSources: this.trustedSources });
  }
}
