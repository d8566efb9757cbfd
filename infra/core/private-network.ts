import { digitalocean } from "../sdk/digitalocean.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "./component.ts";

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
  /**
   * Leave VPCs and peerings in the cloud when they leave the program: a VPC is deleted only once
   * empty, and a datacenter that is down deletes nothing, so a region dropped from the program
   * would fail the run (README, "A lost region"). Turn on for production.
   * @default false
   */
  retainOnDelete?: boolean;
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
export class PrivateNetwork extends PlatformComponent {
  /** VPC id by datacenter. */
  readonly vpcIds: Record<string, pulumi.Output<string>>;
  /** Each VPC with its private range, for auditors. */
  readonly vpcs: VpcDescription[];
  /** The peered datacenter pairs, e.g. `fra1<->ams3`. */
  readonly peerings: string[];
  /** Each peering with the pair it joins, for what must wait until it is active. */
  private readonly peeringResources: { pair: [string, string]; peering: pulumi.Resource }[];

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("core", "PrivateNetwork", name, opts);

    const problems = privateNetworkArgsProblems(args);
    this.checkArgs(problems);

    const vpcs = args.datacenters.map((datacenter) => {
      const vpc = new digitalocean.Vpc(
        `${name}-vpc-${datacenter}`,
        {
          name: `${args.namePrefix}-${datacenter}`,
          region: datacenter,
          description: `Private network of ${args.namePrefix} in ${datacenter}`,
        },
        {
          ...args.vpcOptions?.(datacenter),
          parent: this,
          retainOnDelete: args.retainOnDelete ?? false,
        },
      );
      return { datacenter, id: vpc.id, ipRange: vpc.ipRange };
    });
    this.vpcs = vpcs;
    this.vpcIds = Object.fromEntries(vpcs.map(({ datacenter, id }) => [datacenter, id]));

    const pairs = peeringPairs(args.datacenters);
    this.peeringResources = pairs.map(([first, second]) => {
      // Peering works across datacenters, managed databases included ("VPC peering for DBaaS",
      // digitalocean.com/blog/vpc-peering-technical-deep-dive), and App Platform apps reach
      // through it what lies in a peered VPC: "if an app is deployed in the nyc region and
      // connects to a VPC network in nyc1, you can peer that nyc1 VPC network with another in
      // ams3. This allows your app to privately access resources located in Amsterdam"
      // (DigitalOcean, "How to Enable App Platform VPC"). That is how the secondary region's app
      // and its migration job reach the primary. The API takes exactly two VPCs.
      const peering = new digitalocean.VpcPeering(
        `${name}-peering-${first}-${second}`,
        {
          name: `${args.namePrefix}-${first}-${second}`,
          vpcIds: [this.vpcIdOf(first), this.vpcIdOf(second)],
        },
        { parent: this, retainOnDelete: args.retainOnDelete ?? false },
      );
      return { pair: [first, second], peering };
    });
    this.peerings = pairs.map(([first, second]) => `${first}<->${second}`);
    this.registerOutputs({ vpcIds: this.vpcIds, vpcs: this.vpcs, peerings: this.peerings });
  }

  /**
   * The peerings of a datacenter's VPC: what an app there must wait for before it reaches across
   * them (the secondary region's migration job connects to the primary through one). The
   * provider's create returns once a peering is active (terraform-provider-digitalocean,
   * vpcpeering/resource_vpc_peering.go, its create waits for ACTIVE).
   */
  peeringsOf(datacenter: string): pulumi.Resource[] {
    this.vpcIn(datacenter);
    return this.peeringResources
      .filter(({ pair }) => pair.includes(datacenter))
      .map(({ peering }) => peering);
  }

  /** The VPC in a datacenter of the network; throws for any other datacenter. */
  private vpcIn(datacenter: string): VpcDescription {
    const found = this.vpcs.find((vpc) => vpc.datacenter === datacenter);
    if (found === undefined) {
      throw new Error(
        `PrivateNetwork ${this.vpcs.map((vpc) => vpc.datacenter).join(", ")}: no VPC in ${datacenter}`,
      );
    }
    return found;
  }

  vpcIdOf(datacenter: string): pulumi.Output<string> {
    return this.vpcIn(datacenter).id;
  }

  ipRangeOf(datacenter: string): pulumi.Output<string> {
    return this.vpcIn(datacenter).ipRange;
  }
}
