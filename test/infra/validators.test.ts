import { describe, expect, it } from "vitest";
import { originLockArgsProblems } from "../../infra/edge/origin-lock.ts";
import { registryLoginFrom } from "../../infra/compute/registry-login.ts";
import { digestOf } from "../../infra/compute/service-image.ts";
import { databaseFirewallArgsProblems } from "../../infra/data/database-firewall.ts";
import {
  nameReplicas,
  poolShares,
  postgresClusterArgsProblems,
  type PostgresClusterArgs,
} from "../../infra/data/postgres-cluster.ts";
import { postgresUrl } from "../../infra/data/postgres-url.ts";

const cluster: PostgresClusterArgs = {
  clusterName: "platform-test",
  engineVersion: "17",
  region: "fra1",
  size: "db-s-2vcpu-4gb",
  maintenanceWindow: { day: "sunday", hour: "03:00" },
  roles: [
    { role: "api", access: "readwrite" },
    { role: "reports", access: "read" },
  ],
  poolSize: 10,
  vpcIds: { fra1: "vpc-fra1", ams3: "vpc-ams3" },
};

describe("PostgresCluster arguments", () => {
  it.each([
    [{}, []],
    [{ standbyNodes: 2 }, []],
    [{ standbyNodes: 3 }, ["standbyNodes is 3; use a whole number from 0 to 2"]],
    [{ standbyNodes: -1 }, ["standbyNodes is -1; use a whole number from 0 to 2"]],
    [
      { standbyNodes: 1, size: "db-s-1vcpu-1gb" },
      [
        "size db-s-1vcpu-1gb cannot have standby nodes; use a size with at least 2 GB, e.g. db-s-1vcpu-2gb",
      ],
    ],
    [
      { poolSize: 1 },
      ["poolSize is 1; use a whole number of connections from 2 (one per role at least)"],
    ],
    [
      { roles: [{ role: "Api", access: "read" }] },
      ['role "Api" is no name for a service\'s role; use lower-case letters, digits and _'],
    ],
    [
      { roles: [{ role: "doadmin", access: "read" }] },
      ['role "doadmin" is no name for a service\'s role; use lower-case letters, digits and _'],
    ],
    [
      {
        roles: [
          { role: "api", access: "read" },
          { role: "api", access: "readwrite" },
        ],
      },
      ["roles repeat: api, api; give each service its own"],
    ],
    [
      { maintenanceWindow: { day: "sunday", hour: "3am" } },
      ['maintenanceWindow.hour is "3am"; use a UTC hour as HH:00'],
    ],
  ] as [Partial<PostgresClusterArgs>, string[]][])("%j → %j", (change, problems) => {
    expect(postgresClusterArgsProblems({ ...cluster, ...change })).toEqual(problems);
  });
});

describe("pool shares", () => {
  it.each([
    [40, 2, [20, 20]],
    [10, 3, [4, 3, 3]],
    [2, 3, [1, 1, 1]],
    [7, 1, [7]],
  ])("%i connections among %i pools → %j", (total, count, shares) => {
    expect(poolShares(total, count)).toEqual(shares);
  });
});

describe("replica names", () => {
  it("name replicas by region and number a region's second one", () => {
    const named = nameReplicas("database", [
      { region: "ams3", size: "db-s-1vcpu-2gb" },
      { region: "lon1", size: "db-s-1vcpu-2gb" },
      { region: "ams3", size: "db-s-2vcpu-4gb" },
    ]);
    expect(named.map((replica) => replica.logicalName)).toEqual([
      "database-replica-ams3",
      "database-replica-lon1",
      "database-replica-ams3-2",
    ]);
  });
});

describe("DatabaseFirewall arguments", () => {
  const databases = [{ name: "cluster", id: undefined as never }];
  const vpc = { name: "vpc fra1", ipRange: "10.114.0.0/20" };
  it.each([
    [{ networks: [vpc] }, []],
    [{ networks: [], ipRanges: ["203.0.113.7/32"] }, []],
    [
      { networks: [] },
      [
        "no trusted source: a firewall without rules leaves the database open to every address; pass the apps' VPCs",
      ],
    ],
    [
      { networks: [vpc], ipRanges: ["0.0.0.0/0"] },
      [
        'ipRanges entry "0.0.0.0/0" is wider than /24: it would admit 4294967296 addresses; name a narrower range',
      ],
    ],
  ])("%j → %j", (change, problems) => {
    expect(databaseFirewallArgsProblems({ databases, ...change })).toEqual(problems);
  });

  it("needs a database to guard", () => {
    expect(databaseFirewallArgsProblems({ databases: [], networks: [vpc] })).toEqual([
      "databases is empty; pass the cluster to guard",
    ]);
  });
});

describe("connection URLs", () => {
  it("require TLS and encode every part, so a password cannot redirect the connection", () => {
    const url = postgresUrl({
      user: "app",
      password: "p@ss/w:rd?#",
      host: "replica.example.com",
      port: 25060,
      database: "app",
    });
    expect(url).toBe(
      "postgresql://app:p%40ss%2Fw%3Ard%3F%23@replica.example.com:25060/app?sslmode=require",
    );
    const parsed = new URL(url);
    expect(parsed.hostname).toBe("replica.example.com");
    expect(decodeURIComponent(parsed.password)).toBe("p@ss/w:rd?#");
  });
});

describe("registry logins", () => {
  const config = (auth: string) =>
    JSON.stringify({ auths: { "registry.digitalocean.com": { auth } } });

  it("decode username and password from a Docker config", () => {
    const auth = Buffer.from("token-user:token:with:colons").toString("base64");
    expect(registryLoginFrom(config(auth), "registry.digitalocean.com")).toEqual({
      server: "registry.digitalocean.com",
      username: "token-user",
      password: "token:with:colons",
    });
  });

  it("say which servers they hold when the wanted one is missing", () => {
    expect(() => registryLoginFrom(config("eA=="), "ghcr.io")).toThrow(
      "the registry credentials hold no login for ghcr.io (they hold: registry.digitalocean.com)",
    );
    expect(() => registryLoginFrom("{}", "ghcr.io")).toThrow("(they hold: none)");
  });

  it("refuse a login without a username", () => {
    const auth = Buffer.from(":password").toString("base64");
    expect(() => registryLoginFrom(config(auth), "registry.digitalocean.com")).toThrow(
      'the registry login for registry.digitalocean.com is not "username:password"',
    );
  });
});

describe("image digests", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  it("come from a repo digest", () => {
    expect(digestOf(`registry.digitalocean.com/acme/web@${digest}`)).toBe(digest);
  });
  it.each(["registry.digitalocean.com/acme/web:latest", "web@sha256:abc"])(
    "refuse %s",
    (reference) => {
      expect(() => digestOf(reference)).toThrow("is not an image reference by digest");
    },
  );
});

describe("OriginLock arguments", () => {
  it.each([
    [1, []],
    [7, []],
    [0, ["generation is 0; use a whole number from 1"]],
    [1.5, ["generation is 1.5; use a whole number from 1"]],
  ])("generation %s → %j", (generation, problems) => {
    expect(originLockArgsProblems({ generation })).toEqual(problems);
  });
});
