// Sections 3 and 4: where data lives and who can reach it, and what is encrypted and how. The
// deployment's facts (regions, ranges, ids, controls) come from the `platform` output; what only
// the declaration shows (firewall rules per database, bucket policies, IAM statements, encryption
// settings, which app joins which VPC) comes from the plan.
import { iamPatternMatches } from "../../policy/escalation.ts";
import { hasAnyonePrincipal, type Statement } from "../../policy/iam.ts";
import { TYPES } from "../../policy/types.ts";
import { field, isRecord, records } from "../../policy/values.ts";
import type { PlatformFacts } from "./outputs.ts";
import { dependents, ofType, type Resource, statements, str } from "./plan.ts";
import type { DatabaseConnection } from "./secrets.ts";

/** Conditions in words; the IP ranges are listed in full, since they are who may read. */
function conditionsText(condition: Statement["condition"]): string[] {
  return Object.entries(condition ?? {}).flatMap(([operator, tests]) =>
    Object.entries(isRecord(tests) ? tests : {}).map(([key, value]) => {
      const values = [value].flat().map(String);
      if (key === "aws:SourceIp") {
        return `source IP in ${values.length} range${values.length === 1 ? "" : "s"}: ${values.join(", ")}`;
      }
      if (key === "aws:SecureTransport" && values.join() === "false") return "request without TLS";
      return `${operator} ${key} = ${values.join(", ")}`;
    }),
  );
}

/**
 * Whether a statement's resource covers the bucket or its objects. IAM resources may be patterns
 * (`*`, `?`), and a broad one such as `arn:aws:s3:::*` grants as much as the bucket's own ARN.
 */
export function touchesBucket(resource: string, name: string): boolean {
  const arn = `arn:aws:s3:::${name}`;
  return (
    resource.startsWith(`${arn}/`) ||
    iamPatternMatches(resource, arn) ||
    iamPatternMatches(resource, `${arn}/any-object`)
  );
}

const bucketNamed = (resources: readonly Resource[], name: string) =>
  ofType(resources, TYPES.bucket).find((bucket) => bucket.inputs.bucket === name);

/**
 * The statements of the bucket's own policy. A policy can depend on other buckets too (the log
 * bucket's names the bucket whose access it logs), so it counts only if it is about this bucket.
 */
function bucketPolicy(resources: readonly Resource[], name: string) {
  const bucket = bucketNamed(resources, name);
  if (bucket === undefined) return [];
  return dependents(resources, TYPES.bucketPolicy, bucket)
    .map((policy) => statements(policy.inputs.policy))
    .filter((list) => list.some((s) => s.resources.some((arn) => touchesBucket(arn, name))))
    .flat()
    .map((statement) => ({
      effect: statement.effect,
      // `"*"` and `{"AWS": "*"}` alike mean anyone (policy/iam.ts).
      principal: hasAnyonePrincipal(statement)
        ? "anyone"
        : Object.entries(statement.principals)
            .map(([kind, who]) => `${kind} ${who.join(", ")}`)
            .join("; "),
      actions: statement.actions,
      conditions: conditionsText(statement.condition),
    }));
}

/** IAM role policies of the stack that grant actions on the bucket or its objects. */
const bucketRoles = (resources: readonly Resource[], name: string) =>
  ofType(resources, TYPES.rolePolicy).flatMap((policy) =>
    statements(policy.inputs.policy).flatMap((statement) => {
      const matching = statement.resources.filter((arn) => touchesBucket(arn, name));
      if (statement.effect !== "Allow" || matching.length === 0) return [];
      const { label, actions } = statement;
      return [{ role: str(policy.inputs.role), statement: label, actions, resources: matching }];
    }),
  );

/** The region of the stack's AWS provider; null when there is none or more than one. */
function awsRegion(resources: readonly Resource[]): string | null {
  const regions = new Set(ofType(resources, TYPES.awsProvider).map((p) => str(p.inputs.region)));
  regions.delete("");
  return regions.size === 1 ? ([...regions][0] ?? null) : null;
}

/** The firewall of each database in the plan, and its rules. */
const firewallsOf = (resources: readonly Resource[]) =>
  ofType(resources, TYPES.firewall)
    .map((firewall) => ({
      guards:
        resources
          .filter((r) => r.type === TYPES.cluster || r.type === TYPES.replica)
          .filter((database) => firewall.dependsOn.includes(database.urn))
          .map((database) => str(database.inputs.name))
          .join(", ") || firewall.name,
      rules: records(firewall.inputs.rules).map((rule) => `${str(rule.type)} ${str(rule.value)}`),
    }))
    .sort((a, b) => a.guards.localeCompare(b.guards));

const MEMBER_KINDS = new Map<string, string>([
  [TYPES.app, "app"],
  [TYPES.cluster, "database cluster"],
  [TYPES.replica, "read replica"],
]);

/** The apps and databases that join the VPC of a datacenter. */
function vpcMembers(resources: readonly Resource[], datacenter: string): string[] {
  const vpc = ofType(resources, TYPES.vpc).find((r) => r.inputs.region === datacenter);
  return resources
    .filter((r) => MEMBER_KINDS.has(r.type) && vpc !== undefined && r.dependsOn.includes(vpc.urn))
    .map((r) => {
      const name = r.type === TYPES.app ? field(r.inputs.spec, "name") : r.inputs.name;
      return `${MEMBER_KINDS.get(r.type) ?? ""} ${str(name)}`;
    });
}

/** Facts without their protection flag, which section 5 reports. */
const unprotected = <T extends { protected: boolean }>({ protected: _protected, ...facts }: T) =>
  facts;

export function dataSection(platform: PlatformFacts, resources: readonly Resource[]) {
  const { database, network, assets, registry } = platform;
  const region = awsRegion(resources);
  return {
    // The topology and who may connect as the outputs say, then each firewall as the plan says.
    database:
      database === undefined
        ? null
        : { ...unprotected(database), firewalls: firewallsOf(resources) },
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
    buckets: Object.entries(assets?.buckets ?? {}).map(([purpose, controls]) => ({
      name: controls.name,
      purpose,
      region,
      versioning: controls.versioning,
      publicAccessBlock: controls.publicAccessBlock,
      objectOwnership: controls.objectOwnership,
      noncurrentVersionExpirationDays: controls.noncurrentVersionExpirationDays,
      policy: bucketPolicy(resources, controls.name),
      roles: bucketRoles(resources, controls.name),
    })),
    registry: registry === undefined ? null : unprotected(registry),
  };
}

export type DataSection = ReturnType<typeof dataSection>;

/** `plan`: the declared settings; `outputs`: the deployment's report; `provider`: not ours to set. */
type Source = "plan" | "outputs" | "provider";
const row = (subject: string, state: "at rest" | "in transit", how: string, from: Source) => ({
  subject,
  state,
  how,
  from,
});

/** The bucket's default encryption as declared, or null when the plan declares none. */
function sseOf(resources: readonly Resource[], name: string): string | null {
  const bucket = bucketNamed(resources, name);
  const rules =
    bucket === undefined
      ? []
      : dependents(resources, TYPES.encryption, bucket).flatMap((c) => records(c.inputs.rules));
  if (rules.length === 0) return null;
  return rules
    .map((rule) => {
      const algorithm = str(field(rule.applyServerSideEncryptionByDefault, "sseAlgorithm"));
      const key = str(field(rule.applyServerSideEncryptionByDefault, "kmsMasterKeyId"));
      const named =
        algorithm === "AES256" ? "SSE-S3 (AES256, keys managed by S3)" : `SSE ${algorithm}`;
      return `${named}${key === "" ? "" : `, KMS key ${key}`}${rule.bucketKeyEnabled === true ? ", bucket key on" : ""}`;
    })
    .join("; ");
}

function bucketRows(platform: PlatformFacts, resources: readonly Resource[]) {
  return Object.values(platform.assets?.buckets ?? {}).flatMap((controls) => {
    const subject = `S3 bucket ${controls.name}`;
    const sse = sseOf(resources, controls.name);
    const tlsOnly = bucketPolicy(resources, controls.name).some(
      (s) => s.effect === "Deny" && s.conditions.includes("request without TLS"),
    );
    const undeclared = `${controls.encryption} (no encryption configuration in the plan)`;
    return [
      row(subject, "at rest", sse ?? undeclared, sse === null ? "outputs" : "plan"),
      tlsOnly
        ? row(
            subject,
            "in transit",
            "TLS only: the bucket policy denies every request without TLS (aws:SecureTransport false)",
            "plan",
          )
        : row(subject, "in transit", `tlsOnly: ${String(controls.tlsOnly)}`, "outputs"),
    ];
  });
}

function databaseRows(connections: readonly DatabaseConnection[]) {
  const count = connections.length;
  const modes = [...new Set(connections.map((c) => c.sslmode ?? "unset (libpq default: prefer)"))];
  const withCa = connections.filter((c) => c.caCertificate).length;
  const privateHosts = connections.filter((c) => c.privateHost).length;
  return [
    // DigitalOcean's shared responsibility model for Managed PostgreSQL: "Encrypt data at rest
    // (LUKS) and in transit (SSL)" is DigitalOcean's part (docs.digitalocean.com/products/
    // databases/postgresql/concepts/responsibility-model/); there is no setting to declare.
    row(
      "PostgreSQL (cluster, standbys, replicas, backups)",
      "at rest",
      "LUKS disk encryption by DigitalOcean, always on (not configurable)",
      "provider",
    ),
    row(
      "PostgreSQL connections of the apps",
      "in transit",
      count === 0
        ? "no connection URL in the plan"
        : `sslmode ${modes.join(", ")} in ${count} of ${count} connection URLs; ${withCa} of ${count} beside the cluster's CA certificate (DATABASE_CA_CERT), against which the services verify the server; ${privateHosts} of ${count} to private (VPC) hosts`,
      "plan",
    ),
  ];
}

/** Configuration rules that change the SSL mode for some requests: exceptions to the zone's mode. */
const sslOverrides = (resources: readonly Resource[]) =>
  ofType(resources, TYPES.ruleset)
    .filter((ruleset) => ruleset.inputs.phase === "http_config_settings")
    .flatMap((ruleset) => records(ruleset.inputs.rules))
    .flatMap((rule) => {
      const mode = str(field(rule.actionParameters, "ssl"));
      if (rule.action !== "set_config" || mode === "") return [];
      const verified = mode === "strict" ? "is verified" : "is not verified";
      const how = `SSL mode ${mode} by a configuration rule (the origin's certificate ${verified}): ${str(rule.description)}`;
      return [
        row(`Cloudflare to the origin of ${str(rule.expression)}`, "in transit", how, "plan"),
      ];
    });

function edgeRows(platform: PlatformFacts, resources: readonly Resource[]) {
  if (platform.edge === undefined) return [];
  const { tls } = platform.edge;
  const { hsts } = tls;
  const monitors = ofType(resources, TYPES.loadBalancerMonitor);
  const https = monitors.filter(
    (m) => m.inputs.type === "https" && m.inputs.allowInsecure !== true,
  );
  const hosts = platform.hostnames;
  return [
    row(
      `Visitors to ${hosts?.app ?? "the app"} and ${hosts?.assets ?? "the assets"} (Cloudflare)`,
      "in transit",
      `minimum TLS ${tls.minTlsVersion}, TLS 1.3 ${tls.tls13}, Always Use HTTPS ${tls.alwaysUseHttps}; HSTS max-age ${hsts.maxAgeSeconds} s${hsts.includeSubdomains ? ", includeSubDomains" : ""}${hsts.preload ? ", preload" : ""}`,
      "outputs",
    ),
    row(
      "Cloudflare to the origins (the zone's SSL mode)",
      "in transit",
      `SSL mode ${tls.sslMode}${tls.sslMode === "strict" ? " (the origin's certificate is verified)" : ""}; ${https.length} of ${monitors.length} load balancer monitors over HTTPS with certificate checks`,
      "outputs",
    ),
    ...sslOverrides(resources),
  ];
}

/** What is encrypted, at rest and in transit, and how. */
export function encryptionRows(
  platform: PlatformFacts,
  resources: readonly Resource[],
  connections: readonly DatabaseConnection[],
) {
  return [
    ...bucketRows(platform, resources),
    ...databaseRows(connections),
    ...edgeRows(platform, resources),
    row(
      "Secrets in the stack's config and state",
      "at rest",
      "Pulumi secrets, encrypted by the stack's secrets provider (the bootstrap's KMS key, `awskms://alias/platform-<stack>-secrets`, with the S3 backend; Pulumi Cloud's; or a passphrase): `secure:` in Pulumi.<stack>.yaml",
      "provider",
    ),
    row(
      "App Platform SECRET env vars, GitHub Actions secrets",
      "at rest",
      "encrypted by DigitalOcean and GitHub; neither API returns the plaintext",
      "provider",
    ),
  ];
}
