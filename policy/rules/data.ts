// Data: managed PostgreSQL behind a narrow firewall, on private networks, with a standby and a
// replica in production, and every stateful resource kept from deletion there.
import { parseCidr } from "../cidr.ts";
import { ofType, referrers } from "../links.ts";
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, known, MASKED, numberOf, records, text } from "../values.ts";

/**
 * The widest public range a database firewall may admit. A managed database answers on a public
 * hostname, so its firewall is what keeps the internet out. The program is stricter still for
 * IPv6 (`infra/data/trusted-sources.ts`: /56); a test keeps it at least as strict as this.
 */
export const WIDEST_IPV4_PREFIX = 24;
export const WIDEST_IPV6_PREFIX = 48;
/**
 * The widest private (RFC 1918) range: a VPC's. The apps' VPC ranges are admitted whole (a
 * DigitalOcean VPC is /20 by default, /16 at most); they hold no internet address, but a range
 * wider than one VPC would admit every network of the account.
 */
export const WIDEST_PRIVATE_IPV4_PREFIX = 16;

/** The RFC 1918 blocks, as [first octets, prefix]. */
const PRIVATE_IPV4_BLOCKS: readonly [number[], number][] = [
  [[10], 8],
  [[172, 16], 12],
  [[192, 168], 16],
];

/** Whether an IPv4 range lies inside an RFC 1918 block. */
export function isPrivateIpv4(range: string, prefix: number): boolean {
  const octets = (range.split("/")[0] ?? "").split(".").map(Number);
  const value = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  return PRIVATE_IPV4_BLOCKS.some(([start, blockPrefix]) => {
    const base = [...start, 0, 0, 0].slice(0, 4).reduce((sum, octet) => sum * 256 + octet, 0);
    const size = 2 ** (32 - blockPrefix);
    return prefix >= blockPrefix && value >= base && value < base + size;
  });
}

/** The stateful resources: deleting one loses data (or, for the registry, every deployed image). */
export const STATEFUL_TYPES: readonly string[] = [
  TYPES.cluster,
  TYPES.replica,
  TYPES.database,
  TYPES.registry,
  TYPES.bucket,
];

/** Env vars that carry a PostgreSQL connection URL: DATABASE_URL, DATABASE_READ_URL, … */
export const DATABASE_URL_KEY = /^(?:[A-Z0-9]+_)*DATABASE(?:_[A-Z0-9]+)*_URL$/;

/** App Platform's component kinds, with whether each serves traffic (jobs run once, as a step). */
export const APP_COMPONENTS = [
  { key: "services", label: "service", serves: true },
  { key: "workers", label: "worker", serves: true },
  { key: "jobs", label: "job", serves: false },
] as const;

export const firewallNarrowSources: PlatformRule = {
  id: "data-firewall-narrow-sources",
  description: `Database firewalls admit no public range wider than /${String(WIDEST_IPV4_PREFIX)} (IPv4) or /${String(WIDEST_IPV6_PREFIX)} (IPv6), no private range wider than a VPC (/${String(WIDEST_PRIVATE_IPV4_PREFIX)}), and have at least one rule.`,
  remediation:
    "Admit the apps' VPC ranges (or a single operator address) in DatabaseFirewall rules, never a wide or public range.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.firewall],
  checkResource: (args, _context, report) => {
    const rules = records(field(args.props, "rules"));
    // DigitalOcean admits every address to a cluster whose firewall has no rule.
    if (rules.length === 0)
      report("the firewall has no rule, so the database admits every address");
    for (const rule of rules) {
      if (rule.type !== "ip_addr") continue;
      const value = text(rule.value) ?? "";
      const cidr = parseCidr(value);
      if (cidr === undefined) {
        report(`rule ip_addr "${value}" is not an IP address or CIDR range`);
        continue;
      }
      const isPrivate = cidr.family === 4 && isPrivateIpv4(value, cidr.prefix);
      const widest = isPrivate
        ? WIDEST_PRIVATE_IPV4_PREFIX
        : cidr.family === 4
          ? WIDEST_IPV4_PREFIX
          : WIDEST_IPV6_PREFIX;
      if (cidr.prefix < widest) {
        report(
          `rule ip_addr "${value}" is wider than /${String(widest)}${isPrivate ? " (private range)" : ""}`,
        );
      }
    }
  },
};

export const firewallEveryDatabase: PlatformRule = {
  id: "data-firewall-every-database",
  description: "Every database cluster and read replica has a DatabaseFirewall of its own.",
  remediation:
    "Guard each cluster and replica with a DatabaseFirewall whose clusterId is that database (PostgresCluster.guardedDatabases).",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    for (const database of [
      ...ofType(args.resources, TYPES.cluster),
      ...ofType(args.resources, TYPES.replica),
    ]) {
      if (referrers(args.resources, TYPES.firewall, "clusterId", database).length === 0) {
        report(`${database.name} has no DatabaseFirewall: it admits every address`, database.urn);
      }
    }
  },
};

export const productionStandby: PlatformRule = {
  id: "data-production-standby",
  description: "Production database clusters run at least one standby node (nodeCount ≥ 2).",
  remediation: "Set platform:database.standbys to 1 or 2 in Pulumi.production.yaml.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.cluster],
  checkResource: (args, context, report) => {
    if (!context.production) args.notApplicable("production only: staging runs no standby");
    const nodes = numberOf(field(args.props, "nodeCount")) ?? 1;
    if (nodes < 2) {
      report(`nodeCount is ${String(nodes)}: no standby takes over when the primary fails`);
    }
  },
};

export const productionReplica: PlatformRule = {
  id: "data-production-replica",
  description:
    "A production stack keeps at least one read replica, in another region than its primary.",
  remediation:
    "Add a replica in the secondary region under platform:database.replicas in Pulumi.production.yaml.",
  enforcementLevel: "mandatory",
  checkStack: (args, context, report) => {
    if (!context.production) args.notApplicable("production only: staging runs no replica");
    const clusters = ofType(args.resources, TYPES.cluster);
    for (const cluster of clusters) {
      const region = text(field(cluster.props, "region"));
      const replicas = ofType(args.resources, TYPES.replica).filter(
        (replica) => text(field(replica.props, "region")) !== region,
      );
      if (replicas.length === 0) {
        report(
          `${cluster.name} has no read replica outside ${region ?? "its region"}`,
          cluster.urn,
        );
      }
    }
  },
};

export const privateNetwork: PlatformRule = {
  id: "data-private-network",
  description:
    "Database clusters and replicas sit in a VPC, so their connection strings name private hosts.",
  remediation: "Pass the datacenter's VPC as privateNetworkUuid (PrivateNetwork.vpcIdOf).",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.cluster, TYPES.replica],
  checkResource: (args, _context, report) => {
    // Present is enough while the VPC is still to be created (its id unknown): `in` reads nothing.
    const props: object = args.props;
    const uuid = known(() => field(props, "privateNetworkUuid"));
    if (!("privateNetworkUuid" in props) || uuid === "" || uuid === null) {
      report("no privateNetworkUuid: the database would be reached over the public internet");
    }
  },
};

/**
 * What a preview can see of a database URL: the value is a SECRET env var. Under the CLI the
 * engine hands policies secret values in the clear once they are known (it marshals them with
 * `KeepSecrets`, and @pulumi/policy unwraps them), but on a first deployment they are still
 * unknown; the offline plan shows `[secret]`. So the value is checked when it can be read, and
 * what holds whatever the value is checked always: the app joins a VPC, without which no private
 * host is reachable.
 */
export const privateDatabaseUrls: PlatformRule = {
  id: "data-private-database-urls",
  description:
    "Apps reach PostgreSQL over private hosts with TLS, from inside a VPC, and services never as doadmin.",
  remediation:
    "Use the pool's privateUri (or the replica's private host) with sslmode=require, attach the app to its region's VPC, and keep the admin URL to the PRE_DEPLOY job.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, _context, report) => {
    const spec = field(args.props, "spec");
    const inVpc = records(field(spec, "vpcs")).length > 0;
    for (const kind of APP_COMPONENTS) {
      for (const component of records(field(spec, kind.key))) {
        const name = `${kind.label} ${text(component.name) ?? "?"}`;
        for (const env of records(component.envs)) {
          const key = text(env.key) ?? "";
          if (!DATABASE_URL_KEY.test(key)) continue;
          if (!inVpc) report(`${name} reads ${key} but the app joins no VPC (spec.vpcs)`);
          const value = known(() => text(env.value));
          if (value === undefined || value === MASKED) continue;
          const problem = databaseUrlProblem(value, kind.serves);
          if (problem !== undefined) report(`${name} ${key} ${problem}`);
        }
      }
    }
  },
};

/** Why a connection URL is refused, or undefined; `service` forbids the admin user. */
export function databaseUrlProblem(value: string, service: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (!url.hostname.startsWith("private-")) {
    return `names host ${url.hostname}, not a private- host`;
  }
  if (service && decodeURIComponent(url.username) === "doadmin") {
    return "connects as doadmin; services run as the least-privilege role";
  }
  const sslmode = url.searchParams.get("sslmode");
  if (sslmode === null || !["require", "verify-ca", "verify-full"].includes(sslmode)) {
    return `has sslmode ${sslmode ?? "unset"}; use require or verify-full`;
  }
  return undefined;
}

export const statefulProtected: PlatformRule = {
  id: "stateful-protected",
  description:
    "In production, database clusters, replicas, databases, the registry and S3 buckets are protected.",
  remediation:
    "Pass protect: true for production (the components' `protect` argument, which the stack sets from foundation.production).",
  enforcementLevel: "mandatory",
  resourceTypes: STATEFUL_TYPES,
  checkResource: (args, context, report) => {
    if (!context.production) {
      args.notApplicable("production only: staging's stateful resources may be rebuilt");
    }
    if (!args.opts.protect) report(`${args.name} is not protected: pulumi destroy would delete it`);
  },
};

/** `retainOnDelete` when the caller passed it; the engine passes no such option (see below). */
export function retainOnDeleteOf(opts: object): boolean | undefined {
  return "retainOnDelete" in opts && typeof opts.retainOnDelete === "boolean"
    ? opts.retainOnDelete
    : undefined;
}

export const statefulRetained: PlatformRule = {
  id: "stateful-retained",
  description:
    "In production, the same stateful resources are retained when removed from the program (retainOnDelete).",
  remediation:
    "Pass retainOnDelete: true with protect for production (the components do both from one `protect` argument).",
  enforcementLevel: "mandatory",
  resourceTypes: STATEFUL_TYPES,
  checkResource: (args, context, report) => {
    if (!context.production) {
      args.notApplicable("production only: staging's stateful resources may be rebuilt");
    }
    const retained = retainOnDeleteOf(args.opts);
    if (retained === undefined) {
      // The analyzer protocol's AnalyzerResourceOptions has protect, ignoreChanges, aliases,
      // customTimeouts, additionalSecretOutputs, parent, and no retainOnDelete (pulumi/pulumi
      // proto/pulumi/analyzer.proto), so under the CLI this is checked by `evaluatePlan` only.
      args.notApplicable("the Pulumi engine does not pass retainOnDelete to policy packs");
    }
    if (retained === false) {
      report(`${args.name} is not retainOnDelete: removing it from the program deletes it`);
    }
  },
};

export const DATA_RULES: readonly PlatformRule[] = [
  firewallNarrowSources,
  firewallEveryDatabase,
  productionStandby,
  productionReplica,
  privateNetwork,
  privateDatabaseUrls,
  statefulProtected,
  statefulRetained,
];
