// What the providers compute for a resource (ids, endpoints, credentials, digests), faked
// realistically and deterministically, so every code path that reads such an output runs offline.
import { createHash } from "node:crypto";

type Outputs = Record<string, unknown>;
type Inputs = Record<string, unknown>;

/** A stable hex digest of the given parts. */
export function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

/** A stable UUID-shaped id for a resource. */
export function fakeUuid(type: string, name: string): string {
  const hex = digest(type, name);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const text = (value: unknown, fallback: string): string =>
  typeof value === "string" ? value : fallback;

const fakeDatabasePassword = (id: string) => `AVNS_${digest(id, "password").slice(0, 20)}`;

/** What DigitalOcean reports for a database endpoint: public and private hosts and URLs. */
function databaseEndpoint(
  host: string,
  login: { port: number; user: string; password: string; database: string },
): Outputs {
  const url = (server: string) =>
    `postgresql://${login.user}:${login.password}@${server}:${login.port}/${login.database}?sslmode=require`;
  return {
    host,
    privateHost: `private-${host}`,
    port: login.port,
    user: login.user,
    password: login.password,
    database: login.database,
    uri: url(host),
    privateUri: url(`private-${host}`),
  };
}

/** What the fake cloud holds beyond the program's inputs. */
export interface FakeWorld {
  /**
   * Which build of the services' sources the registry receives: another value gives every image
   * another digest, as a change to the sources would.
   * @default "" (the same digests on every run)
   */
  imageBuild?: string;
}

/** Inputs of the explicit provider the resource was created with, if any (its region, say). */
type Computer = (
  name: string,
  inputs: Inputs,
  id: string,
  provider: Inputs,
  world: FakeWorld,
) => Outputs;

const computed: Record<string, Computer> = {
  "digitalocean:index/project:Project": (_name, inputs, id) => ({
    ownerUuid: fakeUuid("owner", "account"),
    ownerId: 1_234_567,
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
    isDefault: false,
    resources: inputs.resources ?? [],
    projectUrn: `do:project:${id}`,
  }),
  // DigitalOcean gives each VPC a free /20 of the team's private space; peered VPCs never overlap.
  "digitalocean:index/vpc:Vpc": (name, inputs, id) => ({
    ipRange:
      inputs.ipRange ?? `10.${100 + (Number.parseInt(digest(id).slice(0, 4), 16) % 100)}.0.0/20`,
    vpcUrn: `do:vpc:${id}`,
    default: false,
    createdAt: "2026-01-01T00:00:00Z",
    name: text(inputs.name, name),
  }),
  "digitalocean:index/databaseCluster:DatabaseCluster": (name, inputs, id) => ({
    clusterUrn: `do:dbaas:${id}`,
    ...databaseEndpoint(`${text(inputs.name, name)}-do-user-1234567-0.k.db.ondigitalocean.com`, {
      port: 25060,
      user: "doadmin",
      password: fakeDatabasePassword(id),
      database: "defaultdb",
    }),
  }),
  "digitalocean:index/databaseReplica:DatabaseReplica": (name, inputs, id) => ({
    uuid: id,
    ...databaseEndpoint(`${text(inputs.name, name)}-do-user-1234567-0.k.db.ondigitalocean.com`, {
      port: 25060,
      user: "doadmin",
      password: fakeDatabasePassword(id),
      database: "defaultdb",
    }),
  }),
  "digitalocean:index/databaseUser:DatabaseUser": (_name, _inputs, id) => ({
    password: fakeDatabasePassword(id),
    role: "normal",
  }),
  // A pool's URL names the pool where a cluster's names the database.
  "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": (name, inputs, id) =>
    databaseEndpoint(`${text(inputs.name, name)}-pool-do-user-1234567-0.k.db.ondigitalocean.com`, {
      port: 25061,
      user: text(inputs.user, "app"),
      password: fakeDatabasePassword(id),
      database: text(inputs.name, name),
    }),
  "digitalocean:index/databaseFirewall:DatabaseFirewall": (_name, inputs) => ({
    rules: (Array.isArray(inputs.rules) ? inputs.rules : []).map((rule: unknown, index) => ({
      ...(rule as object),
      uuid: fakeUuid("firewall-rule", String(index)),
      createdAt: "2026-01-01T00:00:00Z",
    })),
  }),
  "digitalocean:index/containerRegistry:ContainerRegistry": (name, inputs) => {
    const registry = text(inputs.name, name);
    return {
      endpoint: `registry.digitalocean.com/${registry}`,
      serverUrl: "registry.digitalocean.com",
      storageUsageBytes: 0,
      createdAt: "2026-01-01T00:00:00Z",
    };
  },
  "digitalocean:index/containerRegistryDockerCredentials:ContainerRegistryDockerCredentials": (
    _name,
    inputs,
    id,
  ) => {
    const login = Buffer.from(`offline-user:${digest(id, "registry").slice(0, 32)}`).toString(
      "base64",
    );
    return {
      dockerCredentials: JSON.stringify({
        auths: { "registry.digitalocean.com": { auth: login } },
      }),
      credentialExpirationTime: "2026-01-01T01:00:00Z",
    };
  },
  // Letters and digits, as the program asks for; stable per resource so plans stay identical.
  "random:index/randomPassword:RandomPassword": (name, inputs) => {
    const length = typeof inputs.length === "number" ? inputs.length : 32;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    const bytes = Buffer.from(digest(name, "password").repeat(4), "hex");
    const result = [...bytes.subarray(0, length)].map((byte) => alphabet[byte % 62]).join("");
    return { result, bcryptHash: `$2a$10$${digest(name).slice(0, 53)}` };
  },
  "digitalocean:index/vpcPeering:VpcPeering": () => ({
    status: "ACTIVE",
    createdAt: "2026-01-01T00:00:00Z",
  }),
  "docker:index/image:Image": (_name, inputs, _id, _provider, world) => {
    const imageName = text(inputs.imageName, "registry.example/unknown:latest");
    const repository = imageName.slice(0, imageName.lastIndexOf(":"));
    const build =
      world.imageBuild === undefined || world.imageBuild === "" ? [] : [world.imageBuild];
    return {
      repoDigest: `${repository}@sha256:${digest(imageName, "image", ...build)}`,
      baseImageName: imageName,
      registryServer: "registry.digitalocean.com",
      context: (inputs.build as { context?: string } | undefined)?.context ?? ".",
      dockerfile: (inputs.build as { dockerfile?: string } | undefined)?.dockerfile ?? "Dockerfile",
    };
  },
  "digitalocean:index/app:App": (name, inputs, id) => {
    const spec = inputs.spec as { name?: string } | undefined;
    const host = `${text(spec?.name, name)}-${digest(id).slice(0, 5)}.ondigitalocean.app`;
    return {
      defaultIngress: `https://${host}`,
      liveUrl: `https://${host}`,
      liveDomain: host,
      activeDeploymentId: fakeUuid("deployment", id),
      appUrn: `do:app:${id}`,
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-01T00:00:00Z",
    };
  },
  "aws:s3/bucket:Bucket": (name, inputs, _id, provider) => {
    const bucket = text(inputs.bucket, name);
    const region = text(inputs.region, text(provider.region, "us-east-1"));
    return {
      bucket,
      arn: `arn:aws:s3:::${bucket}`,
      region,
      bucketRegion: region,
      bucketDomainName: `${bucket}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
      hostedZoneId: "Z21DNDUVLTQW6Q",
    };
  },
  "aws:iam/role:Role": (name, inputs, _id, provider) => ({
    arn: `arn:aws:iam::${callerAccount({ provider })}:role/${text(inputs.name, name)}`,
    uniqueId: `AROA${digest(name).slice(0, 16).toUpperCase()}`,
  }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, inputs, _id, provider) => ({
    arn: `arn:aws:iam::${callerAccount({ provider })}:oidc-provider/${text(inputs.url, "").replace("https://", "")}`,
  }),
  "aws:kms/key:Key": (_name, _inputs, id, provider) => ({
    keyId: fakeUuid("kms-key", id),
    arn: `arn:aws:kms:${text(provider.region, "us-east-1")}:${callerAccount({ provider })}:key/${fakeUuid("kms-key", id)}`,
  }),
  "aws:iam/user:User": (name, inputs) => ({
    arn: `arn:aws:iam::123456789012:user${text(inputs.path, "/")}${text(inputs.name, name)}`,
    uniqueId: `AIDA${digest(name).slice(0, 16).toUpperCase()}`,
  }),
  "aws:iam/accessKey:AccessKey": (name) => ({
    secret: digest(name, "secret-access-key").slice(0, 40),
    status: "Active",
  }),
};

/** A database's hosts: the names DigitalOcean gives the cluster, a replica or a pool. */
const hosts = (answer: Outputs) => [answer.host, answer.privateHost];

/**
 * The values of an answer above that only the cloud decides (generated hosts, digests, assigned
 * ranges, Cloudflare's published ranges, GitHub's ids): made up offline, so a report of the plan
 * marks them. Left out: secrets (never shown) and what a provider derives from the inputs alone
 * (an ARN from a name, a registry's endpoint), which a real deployment gives the same way.
 */
const SIMULATED: Record<string, (answer: Outputs, inputs: Inputs) => unknown[]> = {
  "digitalocean:index/project:Project": (answer) => [answer.ownerUuid],
  "digitalocean:index/vpc:Vpc": (answer, inputs) =>
    inputs.ipRange === undefined ? [answer.ipRange] : [],
  "digitalocean:index/databaseCluster:DatabaseCluster": hosts,
  "digitalocean:index/databaseReplica:DatabaseReplica": hosts,
  "digitalocean:index/databaseConnectionPool:DatabaseConnectionPool": hosts,
  "digitalocean:index/app:App": (answer) => [answer.liveDomain, answer.activeDeploymentId],
  "docker:index/image:Image": (answer) => [answer.repoDigest],
  "aws:iam/role:Role": (answer) => [answer.uniqueId],
  "aws:iam/user:User": (answer) => [answer.uniqueId],
  "aws:kms/key:Key": (answer) => [answer.keyId],
  "cloudflare:index/getIpRanges:getIpRanges": (answer) => [answer.ipv4Cidrs, answer.ipv6Cidrs],
  "github:index/getUser:getUser": (answer) => [answer.id],
  "github:index/getTeam:getTeam": (answer) => [answer.id],
  "github:index/getRestApi:getRestApi": (answer) => {
    // A 204 has no body.
    const body = JSON.parse(text(answer.body, "") || "{}") as {
      id?: number;
      owner?: { id?: number };
    };
    return [body.id, body.owner?.id];
  },
};

/** What the mock made up in its answer to a resource or an invoke (`token`), as text. */
export function simulatedValues(token: string, inputs: Inputs, answer: Outputs): string[] {
  return (SIMULATED[token]?.(answer, inputs) ?? [])
    .flat()
    .filter((value) => typeof value === "string" || typeof value === "number")
    .map(String);
}

/** The state a provider would return for a new resource: its inputs plus what it computes. */
export function providerState(
  type: string,
  name: string,
  inputs: Inputs,
  id: string,
  provider: Inputs = {},
  world: FakeWorld = {},
): Outputs {
  return { ...inputs, ...computed[type]?.(name, inputs, id, provider, world) };
}

/** The ids the offline GitHub gives a repository and its owner (`GET /repos/{owner}/{repo}`). */
export function offlineRepositoryIds(owner: string, name: string) {
  const idOf = (...parts: string[]) => Number.parseInt(digest(...parts).slice(0, 7), 16);
  return { ownerId: idOf("owner", owner), repositoryId: idOf("repository", owner, name) };
}

/** What an invoke's answer may depend on besides its inputs. */
export interface InvokeContext {
  /** Inputs of the explicit provider it is called through, if any. */
  provider?: Inputs;
  /** The account the credentials belong to, for STS. */
  callerAccountId?: string;
}

/** The account real credentials would belong to: the one the provider is locked to, if any. */
function callerAccount(context: InvokeContext): string {
  // Providers receive structured settings as JSON text.
  const setting = context.provider?.allowedAccountIds;
  let allowed: unknown = setting;
  if (typeof setting === "string") {
    try {
      allowed = JSON.parse(setting);
    } catch {
      allowed = [setting];
    }
  }
  const locked = Array.isArray(allowed) && typeof allowed[0] === "string" ? allowed[0] : undefined;
  return context.callerAccountId ?? locked ?? "123456789012";
}

/** Results of provider functions (invokes) the program calls. */
export function invokeResult(token: string, inputs: Inputs, context: InvokeContext = {}): Outputs {
  switch (token) {
    case "cloudflare:index/getIpRanges:getIpRanges":
      return {
        id: "cloudflare-ip-ranges",
        ipv4Cidrs: ["173.245.48.0/20", "103.21.244.0/22", "104.16.0.0/13", "172.64.0.0/13"],
        ipv6Cidrs: ["2400:cb00::/32", "2606:4700::/32", "2a06:98c0::/29"],
        chinaIpv4Cidrs: [],
        chinaIpv6Cidrs: [],
      };
    case "digitalocean:index/getDatabaseCa:getDatabaseCa":
      return {
        clusterId: inputs.clusterId,
        id: inputs.clusterId,
        certificate: "-----BEGIN CERTIFICATE-----\nMIIOFFLINEFAKECA\n-----END CERTIFICATE-----\n",
      };
    case "aws:index/getCallerIdentity:getCallerIdentity": {
      const accountId = callerAccount(context);
      return {
        accountId,
        arn: `arn:aws:iam::${accountId}:user/ci`,
        userId: "AIDAEXAMPLE",
        id: accountId,
      };
    }
    case "github:index/getUser:getUser":
      return {
        ...inputs,
        id: String(Number.parseInt(digest("user", text(inputs.username, "")).slice(0, 7), 16)),
      };
    case "github:index/getRestApi:getRestApi": {
      const endpoint = text(inputs.endpoint, "");
      const team = /^orgs\/([^/]+)\/teams\/([^/]+)$/.exec(endpoint);
      if (team !== null) {
        const [, org = "", slug = ""] = team;
        const id = Number.parseInt(digest("team", org, slug).slice(0, 7), 16);
        return { ...inputs, code: 200, status: "200 OK", body: JSON.stringify({ id, slug }) };
      }
      // Whether a reviewer can read the repository: yes ("204 No Content") offline, unless the
      // team or user is named `no-access-…`, which lets a test show what the bootstrap does then.
      const access =
        /^orgs\/[^/]+\/teams\/([^/]+)\/repos\/|^repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)$/.exec(
          endpoint,
        );
      if (access !== null) {
        return (access[1] ?? access[2] ?? "").startsWith("no-access-")
          ? { ...inputs, code: 404, status: "404 Not Found", body: '{"message":"Not Found"}' }
          : { ...inputs, code: 204, status: "204 No Content", body: "" };
      }
      // The repository's OIDC subject template, as GitHub answers for a repository created since
      // 15 July 2026 (its opt-in false, its prefix with the ids), unless it is named `legacy-…`
      // (an older one: names) or `custom-subject-…` (a custom template), which lets a test show
      // what the bootstrap does then.
      const template = /^repos\/([^/]+)\/([^/]+)\/actions\/oidc\/customization\/sub$/.exec(
        endpoint,
      );
      if (template !== null) {
        const [, owner = "", name = ""] = template;
        const ids = offlineRepositoryIds(owner, name);
        const body = name.startsWith("custom-subject-")
          ? { use_default: false, include_claim_keys: ["repo", "context"] }
          : {
              use_default: true,
              use_immutable_subject: false,
              sub_claim_prefix: name.startsWith("legacy-")
                ? `repo:${owner}/${name}`
                : `repo:${owner}@${String(ids.ownerId)}/${name}@${String(ids.repositoryId)}`,
            };
        return { ...inputs, code: 200, status: "200 OK", body: JSON.stringify(body) };
      }
      const repository = /^repos\/([^/]+)\/([^/]+)$/.exec(endpoint);
      if (repository === null) return { ...inputs, code: 404, body: "{}" };
      const [, owner = "", name = ""] = repository;
      const ids = offlineRepositoryIds(owner, name);
      return {
        ...inputs,
        code: 200,
        status: "200 OK",
        body: JSON.stringify({
          id: ids.repositoryId,
          name,
          full_name: `${owner}/${name}`,
          owner: { login: owner, id: ids.ownerId },
          // A company's platform repository, as most are, unless it is named `public-…`, which
          // lets a test show what the bootstrap does for a public one.
          private: !name.startsWith("public-"),
        }),
        headers: "{}",
        id: "offline-request",
      };
    }
    case "github:index/getTeam:getTeam":
      return {
        ...inputs,
        id: String(Number.parseInt(digest("team", text(inputs.slug, "")).slice(0, 7), 16)),
      };
    default:
      return inputs;
  }
}
