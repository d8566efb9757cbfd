import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ContainerRegistry } from "../../infra/compute/container-registry.ts";
import { PlatformApp } from "../../infra/compute/platform-app.ts";
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

beforeAll(async () => {
  run = await runProgram({
    project: "platform",
    stack: "components",
    config: {},
    secretKeys: [],
    program: async () => {
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
        poolSize: 5,
        vpcIds: { fra1: "existing-fra1-vpc" },
      });
      new DatabaseFirewall("db-firewall", {
        databases: cluster.guardedDatabases,
        appIds: ["app-1"],
        ipRanges: ["203.0.113.7/32"],
      });
      const registry = new ContainerRegistry("registry", {
        registryName: "acme",
        tier: "basic",
        region: "fra1",
      });
      loginIsSecret = await pulumi.isSecret(registry.pushLogin);
      readStrings = {
        primary: await pulumi.isSecret(cluster.primaryConnectionString),
        ams3: await pulumi.isSecret(cluster.readConnectionString("ams3")),
        fra1: await pulumi.isSecret(cluster.readConnectionString("fra1")),
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
              poolSize: 5,
            }),
        ),
        badFirewall: errorOf(
          () => new DatabaseFirewall("open", { databases: cluster.guardedDatabases, appIds: [] }),
        ),
        badApp: errorOf(
          () =>
            new PlatformApp("bad-app", {
              appName: "bad",
              region: "fra",
              services: [],
              alerts: { emails: ["oncall@example.com"] },
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

  it("reuse a VPC they are given and create one for each other region", () => {
    expect(resourceNamed(run, TYPES.cluster, "db-cluster").inputs.privateNetworkUuid).toBe(
      "existing-fra1-vpc",
    );
    expect(resourcesOfType(run, TYPES.vpc).map((vpc) => vpc.name)).toEqual(["db-vpc-ams3"]);
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

  it("admit the apps by id and a narrow range by address", () => {
    const firewall = resourceNamed(run, TYPES.firewall, "db-firewall-cluster");
    expect(firewall.inputs.rules).toEqual([
      { type: "app", value: "app-1" },
      { type: "ip_addr", value: "203.0.113.7/32" },
    ]);
  });

  it("leave protection off unless asked", () => {
    expect(run.resources.filter((resource) => resource.protect)).toEqual([]);
  });

  it("keep every connection string and the registry login secret", () => {
    expect(readStrings).toEqual({ primary: true, ams3: true, fra1: true });
    expect(loginIsSecret).toBe(true);
  });

  it("refuse bad arguments with the component's name and the fix", () => {
    expect(run.outputs).toMatchObject({
      badCluster: {
        kind: "value",
        value:
          "PostgresCluster bad-db: size db-s-1vcpu-1gb cannot have standby nodes; use a size with at least 2 GB, e.g. db-s-1vcpu-2gb",
      },
      badFirewall: {
        kind: "value",
        value:
          "DatabaseFirewall open: no trusted source: a firewall without rules leaves the database open to every address; pass the app ids",
      },
      badApp: {
        kind: "value",
        value: "PlatformApp bad-app: services is empty; an app runs at least one",
      },
    });
  });
});
