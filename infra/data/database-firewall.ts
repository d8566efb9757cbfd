import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { GuardedDatabase } from "./postgres-cluster.ts";
import { trustedRangeProblem } from "./trusted-sources.ts";

export interface DatabaseFirewallArgs {
  /** The databases to guard: a cluster and its replicas (`PostgresCluster.guardedDatabases`). */
  databases: GuardedDatabase[];
  /** App Platform apps admitted to every database (firewall rule type `app`). */
  appIds: pulumi.Input<string>[];
  /**
   * Further addresses or ranges admitted, such as an operator's bastion. Each must be a single
   * address or a range of /24 (IPv4) or /56 (IPv6) or narrower.
   * @default []
   */
  ipRanges?: string[];
}

export interface TrustedSource {
  type: "app" | "ip_addr";
  value: string;
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function databaseFirewallArgsProblems(args: DatabaseFirewallArgs): string[] {
  const problems: string[] = [];
  if (args.databases.length === 0) problems.push("databases is empty; pass the cluster to guard");
  if (args.appIds.length === 0 && (args.ipRanges ?? []).length === 0) {
    problems.push(
      "no trusted source: a firewall without rules leaves the database open to every address; pass the app ids",
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
 * The trusted sources of a managed database and its replicas: only the platform's apps, and any
 * narrow address ranges asked for. Declared apart from the cluster because the apps need the
 * cluster's connection strings first, and the firewall needs the apps' ids: as one component the
 * two would wait for each other.
 */
export class DatabaseFirewall extends pulumi.ComponentResource {
  /** The rules every guarded database carries, for auditors. */
  readonly trustedSources: pulumi.Output<TrustedSource[]>;

  constructor(name: string, args: DatabaseFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:data:DatabaseFirewall", name, {}, opts);

    const problems = databaseFirewallArgsProblems(args);
    if (problems.length > 0) throw new Error(`DatabaseFirewall ${name}: ${problems.join("; ")}`);

    const rules = pulumi.output([
      ...args.appIds.map((value) => pulumi.output({ type: "app" as const, value })),
      ...(args.ipRanges ?? []).map((value) => pulumi.output({ type: "ip_addr" as const, value })),
    ]);
    for (const database of args.databases) {
      new digitalocean.DatabaseFirewall(
        `${name}-${database.name}`,
        { clusterId: database.id, rules },
        { parent: this },
      );
    }

    this.trustedSources = rules;
    this.registerOutputs({ trustedSources: this.trustedSources });
  }
}
