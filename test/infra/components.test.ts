import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ContainerRegistry } from "../../infra/compute/container-registry.ts";
import { PlatformApp } from "../../infra/compute/platform-app.ts";
import { PrivateNetwork } from "../../infra/core/private-network.ts";
import { DatabaseFirewall } from "../../infra/data/database-firewall.ts";
import { PostgresCluster } from "../../infra/data/postgres-cluster.ts";
import { runProgram, type ProgramRun } from "../../tools/mock/run-program.ts";
import { resourceNamed, resourcesOfType, TYPES } from "../support/program.ts";

const errorOf = (build: () => unknown): string => {
  try {
    build();
    return "no error";
  } catch (error) {
    return (error as Error).message;
  }
};

let run: ProgramRun;
let loginIsSecret: boolean;
let readStrings: Record<string, boolean>;
let connectionStrings: Record<string, string>;
/** The registries a push login was issued for. */
const issuedFor: string[] = [];

const resolvedValue = <T>(output: pulumi.Output<T>) =>
  new Promise<T>((resolve) => output.apply(resolve));

beforeAll(async () => {
  run = await runProgram({
    project: "platform",
    stack: "components",
    config: {},
    secretKeys: [],
    program: async () => {
      const network = new PrivateNetwork("net", {
        namePrefix: "platform-components",
        datacenters: ["fra1", "ams3", "nyc3"],
      });
      const cluster = new PostgresCluster("db", {
        clusterName: "platform-components",
        engineVersion: "16",
        region: "fra1",
        size: "db-s-1vcpu-2gb",
        standbyNodes: 1,
        replicas: [
          { region: "ams3", size: "db-s-1vcpu-2gb" },
          { region: "ams3", size: "db-s-2vcpu-4gb" },
        ],
        maintenanceWindow: { day: "monday", hour: "04:00" },
        roles: [
          { role: "api", access: "readwrite" },
          { role: "reports", access: "read" },
        ],
        poolSize: 5,
        vpcIds: { fra1: "existing-fra1-vpc", ams3: network.vpcIdOf("ams3") },
      });
      new DatabaseFirewall("db-firewall", {
        databases: cluster.guardedDatabases,
        networks: [{ name: "vpc fra1", ipRange: "10.114.0.0/20" }],
        ipRanges: ["203.0.113.7/32"],
      });
      const registry = new ContainerRegistry("registry", {
        registryName: "acme",
        tier: "basic",
        region: "fra1",
        issuePushLogin: (name) => {
          issuedFor.push(name);
          return Promise.resolve({
            server: "registry.digitalocean.com",
            username: "u",
            password: "p",
          });
        },
      });
      loginIsSecret = await pulumi.isSecret(registry.pushLogin);
      readStrings = {
        primary: await pulumi.isSecret(cluster.primaryConnectionString("api")),
        ams3: await pulumi.isSecret(cluster.readConnectionString("reports", "ams3")),
        fra1: await pulumi.isSecret(cluster.readConnectionString("reports", "fra1")),
        migration: await pulumi.isSecret(cluster.migrationConnectionString),
      };
      connectionStrings = {
        primary: await resolvedValue(cluster.primaryConnectionString("api")),
        ams3: await resolvedValue(cluster.readConnectionString("reports", "ams3")),
        reportsPrimary: await resolvedValue(cluster.readConnectionString("reports", "fra1")),
        unknownRole: errorOf(() => cluster.primaryConnectionString("nobody")),
        migration: await resolvedValue(cluster.migrationConnectionString),
      };
      return {
        badCluster: errorOf(
          () =>
            new PostgresCluster("bad-db", {
              clusterName: "bad",
              engineVersion: "17",
              region: "fra1",
              size: "db-s-1vcpu-1gb",
              standbyNodes: 1,
              maintenanceWindow: { day: "monday", hour: "04:00" },
              roles: [],
              poolSize: 5,
              vpcIds: {},
            }),
        ),
        badFirewall: errorOf(
          () => new DatabaseFirewall("open", { databases: cluster.guardedDatabases, networks: [] }),
        ),
        badNetwork: errorOf(
          () => new PrivateNetwork("bad-net", { namePrefix: "x", datacenters: ["fra1", "fra1"] }),
        ),
        badApp: errorOf(
          () =>
            new PlatformApp("bad-app", {
              appName: "bad",
              region: "fra",
              services: [],
              alerts: { emails: ["oncall@example.com"] },
              writeOnly: {
                derivedFrom: "sha256:0",
                deployedDigest: undefined,
                sendAll: false,
                restAsDeployed: false,
              },
            }),
        ),
      };
    },
  });
});

describe("components under the mock runtime", () => {
  it("register without errors", () => {
    expect(run.errors).toEqual([]);
  });

  it("put the cluster and each replica in the VPC of its datacenter", () => {
    expect(resourceNamed(run, TYPES.cluster, "db-cluster").inputs.privateNetworkUuid).toBe(
      "existing-fra1-vpc",
    );
    const amsVpc = resourceNamed(run, TYPES.vpc, "net-vpc-ams3");
    for (const replica of resourcesOfType(run, TYPES.replica)) {
      expect(replica.inputs.privateNetworkUuid).toBe(amsVpc.id);
    }
  });

  it("peer every two VPCs of the network once, across datacenters", () => {
    const vpcIds = Object.fromEntries(
      resourcesOfType(run, TYPES.vpc).map((vpc) => [vpc.id, vpc.inputs.region]),
    );
    const peered = resourcesOfType(run, TYPES.vpcPeering).map((peering) =>
      (peering.inputs.vpcIds as string[]).map((id) => vpcIds[id]).join("<->"),
    );
    expect(peered.sort()).toEqual(["ams3<->nyc3", "fra1<->ams3", "fra1<->nyc3"]);
  });

  it("give each role its own user and pool, the pool's connections shared among them", () => {
    const users = resourcesOfType(run, TYPES.user).map((user) => user.inputs.name);
    const pools = resourcesOfType(run, TYPES.connectionPool).map((pool) => ({
      name: pool.inputs.name,
      size: pool.inputs.size,
      mode: pool.inputs.mode,
    }));
    expect(users.sort()).toEqual(["api", "reports"]);
    expect(pools).toEqual([
      { name: "api-pool", size: 3, mode: "transaction" },
      { name: "reports-pool", size: 2, mode: "transaction" },
    ]);
    // Each role reads as itself: from the replica in its region, else its pool on the primary.
    expect(new URL(connectionStrings.ams3 ?? "").username).toBe("reports");
    expect(new URL(connectionStrings.reportsPrimary ?? "").username).toBe("reports");
    expect(connectionStrings.unknownRole).toBe(
      "PostgresCluster has no role nobody; pass it in roles",
    );
  });

  it("hand out private hosts only, and the admin URL straight to PostgreSQL", () => {
    expect(new URL(connectionStrings.primary ?? "").hostname).toMatch(/^private-/);
    expect(new URL(connectionStrings.ams3 ?? "").hostname).toMatch(/^private-/);
    const migration = new URL(connectionStrings.migration ?? "");
    expect(migration.hostname).toMatch(/^private-platform-components-do-user/);
    // The administrator, on PostgreSQL's own port (not the pool's), in the application database.
    expect([migration.username, migration.port, migration.pathname]).toEqual([
      "doadmin",
      "25060",
      "/app",
    ]);
  });

  it("give two replicas in one region distinct names, and a firewall each", () => {
    expect(resourcesOfType(run, TYPES.replica).map((replica) => replica.inputs.name)).toEqual([
      "platform-components-replica-ams3",
      "platform-components-replica-ams3-2",
    ]);
    expect(
      resourcesOfType(run, TYPES.firewall)
        .map((firewall) => firewall.name)
        .sort(),
    ).toEqual(["db-firewall-cluster", "db-firewall-replica-ams3", "db-firewall-replica-ams3-2"]);
  });

  it("admit the apps' private network and a narrow range, by address", () => {
    const firewall = resourceNamed(run, TYPES.firewall, "db-firewall-cluster");
    expect(firewall.inputs.rules).toEqual([
      { type: "ip_addr", value: "10.114.0.0/20" },
      { type: "ip_addr", value: "203.0.113.7/32" },
    ]);
  });

  it("keep no registry credentials as a resource, and ask for a login once the registry exists", () => {
    expect(resourcesOfType(run, TYPES.registryCredentials)).toEqual([]);
    expect(issuedFor).toEqual(["acme"]);
  });

  it("leave protection off unless asked", () => {
    expect(run.resources.filter((resource) => resource.protect)).toEqual([]);
  });

  it("keep every connection string and the registry login secret", () => {
    expect(readStrings).toEqual({ primary: true, ams3: true, fra1: true, migration: true });
    expect(loginIsSecret).toBe(true);
  });

  it("refuse bad arguments with the component's name and the fix", () => {
    expect(run.outputs).toMatchObject({
      badCluster: {
        kind: "value",
        value:
          "PostgresCluster bad-db: size db-s-1vcpu-1gb cannot have standby nodes; use a size with at least 2 GB, e.g. db-s-1vcpu-2gb; vpcIds has no VPC for fra1; pass one for each datacenter used",
      },
      badFirewall: {
        kind: "value",
        value:
          "DatabaseFirewall open: no trusted source: a firewall without rules leaves the database open to every address; pass the apps' VPCs",
      },
      badNetwork: {
        kind: "value",
        value: "PrivateNetwork bad-net: datacenters repeat: fra1, fra1; name each once",
      },
      badApp: {
        kind: "value",
        value: "PlatformApp bad-app: services is empty; an app runs at least one",
      },
    });
  });
});

describe("the branch ruleset's arguments", () => {
  it("refuses no required check and no required review, naming the component and the fix", async () => {
    const { BranchRuleset } = await import("../../infra/delivery/branch-ruleset.ts");
    expect(
      errorOf(
        () => new BranchRuleset("b", { repository: "r", requiredReviews: 1, requiredChecks: [] }),
      ),
    ).toBe("BranchRuleset b: requiredChecks is empty; the checks workflow has no job");
    expect(
      errorOf(
        () =>
          new BranchRuleset("b", { repository: "r", requiredReviews: 0, requiredChecks: ["x"] }),
      ),
    ).toBe(
      "BranchRuleset b: requiredReviews is 0; with 0, anyone who can push merges unreviewed (set 1 or more)",
    );
  });

  it("reports every problem at once, as a ResourceError Pulumi prints without a stack trace", async () => {
    const { BranchRuleset } = await import("../../infra/delivery/branch-ruleset.ts");
    let thrown: unknown;
    try {
      new BranchRuleset("both", { repository: "r", requiredReviews: 0, requiredChecks: [] });
    } catch (error) {
      thrown = error;
    }
    expect(pulumi.ResourceError.isInstance(thrown)).toBe(true);
    const error = thrown as pulumi.ResourceError;
    expect(error.hideStack).toBe(true);
    expect(error.message).toBe(
      "BranchRuleset both: requiredChecks is empty; the checks workflow has no job; requiredReviews is 0; with 0, anyone who can push merges unreviewed (set 1 or more)",
    );
    expect(await resolvedValue(error.resource?.urn ?? pulumi.output("no resource"))).toContain(
      "platform:delivery:BranchRuleset::both",
    );
  });
});
