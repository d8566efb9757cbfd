import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateNetworkArgs {
  /** Prefix of every VPC's name, e.g. `platform-production` (VPC names are unique per team). */
  namePrefix: string;
  /** Datacenters that need a VPC, e.g. `["fra1", "ams3"]`; the first is the primary. */
  datacenters: string[];
  /**
   * Options for each VPC, e.g. `aliases` when a VPC moves here from another component.
   * @default no extra options
   */
  vpcOptions?: (datacenter: string) => pulumi.CustomResourceOptions;
}

/** One VPC of the network, for auditors. */
export interface VpcDescription {
  datacenter: string;
  id: pulumi.Output<string>;
  ipRange: pulumi.Output<string>;
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function privateNetworkArgsProblems(args: PrivateNetworkArgs): string[] {
  const problems: string[] = [];
  if (args.datacenters.length === 0) {
    problems.push("datacenters is empty; name at least the primary datacenter");
  }
  if (new Set(args.datacenters).size !== args.datacenters.length) {
    problems.push(`datacenters repeat: ${args.datacenters.join(", ")}; name each once`);
  }
  return problems;
}

/** Every unordered pair of the datacenters, in the order given. */
export function peeringPairs(datacenters: readonly string[]): [string, string][] {
  return datacenters.flatMap((first, index) =>
    datacenters.slice(index + 1).map((second): [string, string] => [first, second]),
  );
}

/**
 * The platform's private network: a VPC in each datacenter it uses, and a peering between every
 * two of them. Apps join their region's VPC (App spec `vpcs`), the database and its replicas live
 * in theirs, so every database connection stays on DigitalOcean's private network, also from the
 * secondary region to the primary. Peered VPCs must not overlap: DigitalOcean gives each new VPC
 * a free range of the team, so they never do unless a range is forced.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  /** VPC id by datacenter. */
  readonly vpcIds: Record<string, pulumi.Output<string>>;
  /** Private address range (CIDR) of each VPC, by datacenter. */
  readonly ipRanges: Record<string, pulumi.Output<string>>;
  readonly vpcs: VpcDescription[];
  /** The peered datacenter pairs, e.g. `fra1<->ams3`. */
  readonly peerings: string[];
  /** The VPC id in a datacenter of the network; throws for any other datacenter. */
  readonly vpcIdOf: (datacenter: string) => pulumi.Output<string>;
  /** The private range of the VPC in a datacenter of the network; throws for any other. */
  readonly ipRangeOf: (datacenter: string) => pulumi.Output<string>;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:core:PrivateNetwork", name, {}, opts);

    const problems = privateNetworkArgsProblems(args);
    if (problems.length > 0) throw new Error(`PrivateNetwork ${name}: ${problems.join("; ")}`);

    const vpcs = new Map<string, digitalocean.Vpc>();
    for (const datacenter of args.datacenters) {
      vpcs.set(
        datacenter,
        new digitalocean.Vpc(
          `${name}-vpc-${datacenter}`,
          {
            name: `${args.namePrefix}-${datacenter}`,
            region: datacenter,
            description: `Private network of ${args.namePrefix} in ${datacenter}`,
          },
          { ...args.vpcOptions?.(datacenter), parent: this },
        ),
      );
    }
    const vpc = (datacenter: string): digitalocean.Vpc => {
      const found = vpcs.get(datacenter);
      if (found === undefined) throw new Error(`PrivateNetwork ${name}: no VPC in ${datacenter}`);
      return found;
    };

    const pairs = peeringPairs(args.datacenters);
    for (const [first, second] of pairs) {
      // VPC peering works across datacenters; peered traffic stays on DigitalOcean's backbone.
      new digitalocean.VpcPeering(
        `${name}-peering-${first}-${second}`,
        {
          name: `${args.namePrefix}-${first}-${second}`,
          vpcIds: [vpc(first).id, vpc(second).id],
        },
        { parent: this },
      );
    }

    this.vpcIds = Object.fromEntries(args.datacenters.map((dc) => [dc, vpc(dc).id]));
    this.ipRanges = Object.fromEntries(args.datacenters.map((dc) => [dc, vpc(dc).ipRange]));
    this.vpcs = args.datacenters.map((datacenter) => ({
      datacenter,
      id: vpc(datacenter).id,
      ipRange: vpc(datacenter).ipRange,
    }));
    this.ipRangeOf = (datacenter) => vpc(datacenter).ipRange;
    this.vpcIdOf = (datacenter) => vpc(datacenter).id;
    this.peerings = pairs.map(([first, second]) => `${first}<->${second}`);
    this.registerOutputs({
      vpcIds: this.vpcIds,
      ipRanges: this.ipRanges,
      peerings: this.peerings,
    });
  }
}
