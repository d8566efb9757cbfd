// Sections 3 and 4: where data lives and who can reach it, and what is encrypted and how. Facts
// about the deployment (regions, ranges, ids, controls) come from the `platform` output; what only
// the declaration shows (firewall rules per database, bucket policies, IAM statements, encryption
// settings, which app joins which VPC) comes from the plan.
import type { ManifestResource } from "../plan/render.ts";
import type { PlatformFacts } from "./outputs.ts";
import type { DatabaseConnection } from "./secrets.ts";

const T = {
  app: "digitalocean:index/app:App",
  vpc: "digitalocean:index/vpc:Vpc",
  cluster: "digitalocean:index/databaseCluster:DatabaseCluster",
  replica: "digitalocean:index/databaseReplica:DatabaseReplica",
  firewall: "digitalocean:index/databaseFirewall:DatabaseFirewall",
  bucket: "aws:s3/bucket:Bucket",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  encryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  awsProvider: "pulumi:providers:aws",
  lbMonitor: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
  ruleset: "cloudflare:index/ruleset:Ruleset",
} as const;

type Resource = Pick<ManifestResource, "urn" | "type" | "name" | "dependsOn" | "inputs">;

export interface DatabaseFacts {
  engine: string;
  version: string;
  region: string;
  size: string;
  nodes: number;
  standbys: number;
  replicas: { name: string; region: string; size: string }[];
  database: string;
  /** A role per service that uses the database: its access and its pool. */
  roles: { role: string; access: string; pool: { name: string; mode: string; size: number } }[];
  maintenanceWindow: { day: string; hour: string };
  /** Who may connect, as the deployment reports it (`database.trustedSources`). */
  trustedSources: { source: string; type: string; value: string }[];
  /** The firewall of each database in the plan, and its rules. */
  firewalls: { guards: string; rules: string[] }[];
}

export interface NetworkFacts {
  vpcs: { datacenter: string; id: string; ipRange: string; members: string[] }[];
  peerings: string[];
}

export interface BucketStatement {
  effect: string;
  principal: string;
  actions: string[];
  /** The statement's conditions in words, e.g. `source IP in 4 ranges: …`. */
  conditions: string[];
}

export interface BucketFacts {
  name: string;
  purpose: string;
  /** The AWS region of the stack's AWS provider; null when the plan has none. */
  region: string | null;
  versioning: string;
  publicAccessBlock: string;
  objectOwnership: string;
  noncurrentVersionExpirationDays: number;
  /** The bucket policy's statements. */
  policy: BucketStatement[];
  /** IAM role policies of the stack that grant actions on the bucket or its objects. */
  roles: { role: string; statement: string; actions: string[]; resources: string[] }[];
}

export interface DataSection {
  database: DatabaseFacts | null;
  network: NetworkFacts | null;
  buckets: BucketFacts[];
  registry: { name: string; endpoint: string; datacenter: string; tier: string } | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

/** Resources of `type` that depend on `target` (through an input or `dependsOn`). */
function dependents(resources: readonly Resource[], type: string, target: Resource): Resource[] {
  return resources.filter(
    (resource) => resource.type === type && resource.dependsOn.includes(target.urn),
  );
}

function parseJson(value: unknown): unknown {
  try {
    return typeof value === "string" ? (JSON.parse(value) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function statementsOf(policy: unknown): Record<string, unknown>[] {
  const document = parseJson(policy);
  return isRecord(document) ? list(document.Statement).filter(isRecord) : [];
}

function principalText(principal: unknown): string {
  if (principal === "*") return "anyone";
  if (isRecord(principal)) {
    return Object.entries(principal)
      .map(([kind, who]) => `${kind} ${list(who).map(text).join(", ")}`)
      .join("; ");
  }
  return text(principal);
}

/** Conditions in words; the IP ranges are listed in full, since they are who may read. */
function conditionsText(condition: unknown): string[] {
  if (!isRecord(condition)) return [];
  return Object.entries(condition).flatMap(([operator, tests]) =>
    isRecord(tests)
      ? Object.entries(tests).map(([key, value]) => {
          const values = list(value).map((item) => String(item));
          if (key === "aws:SourceIp") {
            return `source IP in ${values.length} range${values.length === 1 ? "" : "s"}: ${values.join(", ")}`;
          }
          if (key === "aws:SecureTransport" && values.join() === "false")
            return "request without TLS";
          return `${operator} ${key} = ${values.join(", ")}`;
        })
      : [],
  );
}

/**
 * Whether a statement's resource covers the bucket or its objects. IAM resources may be patterns
 * (`*`, `?`), and a broad one such as `arn:aws:s3:::*` grants as much as the bucket's own ARN.
 */
export function touchesBucket(resource: string, name: string): boolean {
  const bucketArn = `arn:aws:s3:::${name}`;
  if (resource === bucketArn || resource.startsWith(`${bucketArn}/`)) return true;
  if (!/[*?]/.test(resource)) return false;
  const escaped = resource.replaceAll(/[.+^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped.replaceAll("*", ".*").replaceAll("?", ".")}$`);
  return pattern.test(bucketArn) || pattern.test(`${bucketArn}/any-object`);
}

/**
 * The statements of the bucket's own policy. A policy can depend on other buckets too (the log
 * bucket's names the bucket whose access it logs), so it counts only if its statements are about
 * this bucket.
 */
function bucketPolicy(resources: readonly Resource[], bucket: Resource): BucketStatement[] {
  const name = text(bucket.inputs.bucket);
  return dependents(resources, T.bucketPolicy, bucket)
    .map((policy) => statementsOf(policy.inputs.policy))
    .filter((statements) =>
      statements.some((statement) =>
        list(statement.Resource).some((arn) => touchesBucket(text(arn), name)),
      ),
    )
    .flat()
    .map((statement) => ({
      effect: text(statement.Effect),
      principal: principalText(statement.Principal),
      actions: list(statement.Action).map(text),
      conditions: conditionsText(statement.Condition),
    }));
}

function bucketRoles(resources: readonly Resource[], name: string): BucketFacts["roles"] {
  return resources
    .filter((resource) => resource.type === T.rolePolicy)
    .flatMap((policy) =>
      statementsOf(policy.inputs.policy).flatMap((statement) => {
        const matching = list(statement.Resource)
          .map(text)
          .filter((arn) => touchesBucket(arn, name));
        if (text(statement.Effect) !== "Allow" || matching.length === 0) return [];
        return [
          {
            role: text(policy.inputs.role),
            statement: text(statement.Sid),
            actions: list(statement.Action).map(text),
            resources: matching,
          },
        ];
      }),
    );
}

function awsRegion(resources: readonly Resource[]): string | null {
  const regions = [
    ...new Set(
      resources
        .filter((resource) => resource.type === T.awsProvider)
        .map((p) => text(p.inputs.region)),
    ),
  ].filter((region) => region !== "");
  return regions.length === 1 ? (regions[0] ?? null) : null;
}

function firewallsOf(resources: readonly Resource[]): DatabaseFacts["firewalls"] {
  const databases = resources.filter((r) => r.type === T.cluster || r.type === T.replica);
  return resources
    .filter((resource) => resource.type === T.firewall)
    .map((firewall) => ({
      guards:
        databases
          .filter((database) => firewall.dependsOn.includes(database.urn))
          .map((database) => text(database.inputs.name))
          .join(", ") || firewall.name,
      rules: list(firewall.inputs.rules)
        .filter(isRecord)
        .map((rule) => `${text(rule.type)} ${text(rule.value)}`),
    }))
    .sort((a, b) => a.guards.localeCompare(b.guards));
}

/** What each VPC of the plan holds: the apps and databases that join it. */
function vpcMembers(resources: readonly Resource[], datacenter: string): string[] {
  const vpc = resources.find((r) => r.type === T.vpc && text(r.inputs.region) === datacenter);
  if (vpc === undefined) return [];
  const members = resources.filter(
    (r) =>
      [T.app, T.cluster, T.replica].some((type) => type === r.type) &&
      r.dependsOn.includes(vpc.urn),
  );
  return members.map((member) => {
    const name =
      member.type === T.app && isRecord(member.inputs.spec)
        ? member.inputs.spec.name
        : member.inputs.name;
    const kind =
      member.type === T.app
        ? "app"
        : member.type === T.cluster
          ? "database cluster"
          : "read replica";
    return `${kind} ${text(name)}`;
  });
}

export function dataSection(platform: PlatformFacts, resources: readonly Resource[]): DataSection {
  const { database, network, assets, registry } = platform;
  const region = awsRegion(resources);
  return {
    database:
      database === undefined
        ? null
        : {
            engine: database.engine,
            version: database.version,
            region: database.region,
            size: database.size,
            nodes: database.nodes,
            standbys: database.standbys,
            replicas: database.replicas,
            database: database.database,
            roles: database.roles,
            maintenanceWindow: database.maintenanceWindow,
            trustedSources: database.trustedSources,
            firewalls: firewallsOf(resources),
          },
    network:
      network === undefined
        ? null
        : {
            vpcs: network.vpcs.map((vpc) => ({
              ...vpc,
              members: vpcMembers(resources, vpc.datacenter),
            })),
            peerings: network.peerings,
          },
    buckets:
      assets === undefined
        ? []
        : Object.entries(assets.buckets).map(([purpose, controls]) => {
            const bucket = resources.find(
              (r) => r.type === T.bucket && text(r.inputs.bucket) === controls.name,
            );
            return {
              name: controls.name,
              purpose,
              region,
              versioning: controls.versioning,
              publicAccessBlock: controls.publicAccessBlock,
              objectOwnership: controls.objectOwnership,
              noncurrentVersionExpirationDays: controls.noncurrentVersionExpirationDays,
              policy: bucket === undefined ? [] : bucketPolicy(resources, bucket),
              roles: bucketRoles(resources, controls.name),
            };
          }),
    registry:
      registry === undefined
        ? null
        : {
            name: registry.name,
            endpoint: registry.endpoint,
            datacenter: registry.datacenter,
            tier: registry.tier,
          },
  };
}

export interface EncryptionRow {
  subject: string;
  state: "at rest" | "in transit";
  how: string;
  /** `plan`: the declared settings; `outputs`: the deployment's report; `provider`: not ours to set. */
  from: "plan" | "outputs" | "provider";
}

function sseOf(resources: readonly Resource[], bucket: Resource | undefined): string | null {
  if (bucket === undefined) return null;
  const rules = dependents(resources, T.encryption, bucket).flatMap((config) =>
    list(config.inputs.rules).filter(isRecord),
  );
  if (rules.length === 0) return null;
  return rules
    .map((rule) => {
      const defaults = isRecord(rule.applyServerSideEncryptionByDefault)
        ? rule.applyServerSideEncryptionByDefault
        : {};
      const algorithm = text(defaults.sseAlgorithm);
      const key = text(defaults.kmsMasterKeyId);
      const named =
        algorithm === "AES256" ? "SSE-S3 (AES256, keys managed by S3)" : `SSE ${algorithm}`;
      return `${named}${key === "" ? "" : `, KMS key ${key}`}${rule.bucketKeyEnabled === true ? ", bucket key on" : ""}`;
    })
    .join("; ");
}

function bucketRows(platform: PlatformFacts, resources: readonly Resource[]): EncryptionRow[] {
  if (platform.assets === undefined) return [];
  return Object.values(platform.assets.buckets).flatMap((controls) => {
    const bucket = resources.find(
      (r) => r.type === T.bucket && text(r.inputs.bucket) === controls.name,
    );
    const sse = sseOf(resources, bucket);
    const deniesPlainHttp =
      bucket !== undefined &&
      bucketPolicy(resources, bucket).some(
        (statement) =>
          statement.effect === "Deny" && statement.conditions.includes("request without TLS"),
      );
    return [
      {
        subject: `S3 bucket ${controls.name}`,
        state: "at rest",
        how: sse ?? `${controls.encryption} (no encryption configuration in the plan)`,
        from: sse === null ? "outputs" : "plan",
      },
      {
        subject: `S3 bucket ${controls.name}`,
        state: "in transit",
        how: deniesPlainHttp
          ? "TLS only: the bucket policy denies every request without TLS (aws:SecureTransport false)"
          : `tlsOnly: ${String(controls.tlsOnly)}`,
        from: deniesPlainHttp ? "plan" : "outputs",
      },
    ];
  });
}

function databaseRows(connections: readonly DatabaseConnection[]): EncryptionRow[] {
  const count = connections.length;
  const modes = [...new Set(connections.map((c) => c.sslmode ?? "unset (libpq default: prefer)"))];
  const withCa = connections.filter((c) => c.caCertificate).length;
  const privateHosts = connections.filter((c) => c.privateHost).length;
  return [
    {
      subject: "PostgreSQL (cluster, standbys, replicas, backups)",
      state: "at rest",
      // DigitalOcean's shared responsibility model for Managed PostgreSQL: "Encrypt data at rest
      // (LUKS) and in transit (SSL)" is DigitalOcean's part (docs.digitalocean.com/products/
      // databases/postgresql/concepts/responsibility-model/); there is no setting to declare.
      how: "LUKS disk encryption by DigitalOcean, always on (not configurable)",
      from: "provider",
    },
    {
      subject: "PostgreSQL connections of the apps",
      state: "in transit",
      how:
        count === 0
          ? "no connection URL in the plan"
          : `sslmode ${modes.join(", ")} in ${count} of ${count} connection URLs; ${withCa} of ${count} beside the cluster's CA certificate (DATABASE_CA_CERT), against which the services verify the server; ${privateHosts} of ${count} to private (VPC) hosts`,
      from: "plan",
    },
  ];
}

/** Configuration rules that change the SSL mode for some requests: exceptions to the zone's mode. */
function sslOverrides(resources: readonly Resource[]): EncryptionRow[] {
  return resources
    .filter((r) => r.type === T.ruleset && text(r.inputs.phase) === "http_config_settings")
    .flatMap((ruleset) => list(ruleset.inputs.rules).filter(isRecord))
    .flatMap((rule) => {
      const parameters = isRecord(rule.actionParameters) ? rule.actionParameters : {};
      const mode = text(parameters.ssl);
      if (text(rule.action) !== "set_config" || mode === "") return [];
      const verified =
        mode === "strict"
          ? "the origin's certificate is verified"
          : "the origin's certificate is not verified";
      return [
        {
          subject: `Cloudflare to the origin of ${text(rule.expression)}`,
          state: "in transit" as const,
          how: `SSL mode ${mode} by a configuration rule (${verified}): ${text(rule.description)}`,
          from: "plan" as const,
        },
      ];
    });
}

function edgeRows(platform: PlatformFacts, resources: readonly Resource[]): EncryptionRow[] {
  const edge = platform.edge;
  if (edge === undefined) return [];
  const { tls } = edge;
  const hsts = tls.hsts;
  // Widened: this commit always sets `strict`, but a deployment of another commit may report more.
  const sslMode: string = tls.sslMode;
  const monitors = resources.filter((r) => r.type === T.lbMonitor);
  const httpsMonitors = monitors.filter(
    (m) => text(m.inputs.type) === "https" && m.inputs.allowInsecure !== true,
  );
  return [
    {
      subject: `Visitors to ${platform.hostnames?.app ?? "the app"} and ${platform.hostnames?.assets ?? "the assets"} (Cloudflare)`,
      state: "in transit",
      how: `minimum TLS ${tls.minTlsVersion}, TLS 1.3 ${tls.tls13}, Always Use HTTPS ${tls.alwaysUseHttps}; HSTS max-age ${hsts.maxAgeSeconds} s${hsts.includeSubdomains ? ", includeSubDomains" : ""}${hsts.preload ? ", preload" : ""}`,
      from: "outputs",
    },
    {
      subject: "Cloudflare to the origins (the zone's SSL mode)",
      state: "in transit",
      how: `SSL mode ${sslMode}${sslMode === "strict" ? " (the origin's certificate is verified)" : ""}; ${httpsMonitors.length} of ${monitors.length} load balancer monitors over HTTPS with certificate checks`,
      from: "outputs",
    },
    ...sslOverrides(resources),
  ];
}

/** What is encrypted, at rest and in transit, and how. */
export function encryptionRows(
  platform: PlatformFacts,
  resources: readonly Resource[],
  connections: readonly DatabaseConnection[],
): EncryptionRow[] {
  return [
    ...bucketRows(platform, resources),
    ...databaseRows(connections),
    ...edgeRows(platform, resources),
    {
      subject: "Secrets in the stack's config and state",
      state: "at rest",
      how: "Pulumi secrets, encrypted by the stack's secrets provider (Pulumi Cloud, or a passphrase): `secure:` in Pulumi.<stack>.yaml",
      from: "provider",
    },
    {
      subject: "App Platform SECRET env vars, GitHub Actions secrets",
      state: "at rest",
      how: "encrypted by DigitalOcean and GitHub; neither API returns the plaintext",
      from: "provider",
    },
  ];
}
