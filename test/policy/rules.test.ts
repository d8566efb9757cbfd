// Every rule of the pack, both ways: a compliant stack passes it, and a stack with one control
// removed or weakened fails it with the message asserted. The policies' validate functions are
// called directly, with arguments shaped as the engine's (test/policy/support.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RULES } from "../../policy/catalog.ts";
import type { PolicyContext } from "../../policy/context.ts";
import type { PlanResource } from "../../policy/engine-args.ts";
import { TYPES } from "../../policy/types.ts";
import {
  tagRuleset,
  apiEnvWith,
  apiService,
  app,
  appWithApi,
  assetBuckets,
  assetsRecord,
  processorWorker,
  cluster,
  DATABASE_URL,
  deploymentPolicyOf,
  edgeZone,
  environment,
  firewallOf,
  GOOD_TRUST,
  HSTS,
  lockedBucket,
  oidcProvider,
  PRODUCTION_ENVIRONMENT,
  replica,
  repositoryRuleset,
  role,
  rolePolicy,
  ruleset,
  trustStatement,
  uptime,
  withPublicAccess,
  ZONE,
  zoneSetting,
} from "./fixtures.ts";
import {
  BOOTSTRAP,
  changed,
  PRODUCTION,
  runRule,
  STAGING,
  validateResource,
  validateStack,
  withInputs,
  without,
} from "./support.ts";
import { contextFor } from "../../policy/context.ts";
import { costContextOf } from "../../policy/cost/context.ts";

interface RuleCase {
  rule: string;
  /** The control that the failing stack lacks. */
  lacking: string;
  context?: PolicyContext;
  pass: () => PlanResource[];
  fail: () => PlanResource[];
  violation: string;
}

const bucketArn = "arn:aws:s3:::assets.example.com";
const readBuckets = {
  Sid: "ReadBuckets",
  Effect: "Allow",
  Action: ["s3:ListBucket", "s3:GetBucketPolicy"],
  Resource: [bucketArn],
};
const owner: PolicyContext = BOOTSTRAP;
/** Production with a monthly budget of `budget` USD (config cost.budget). */
const budgeted = (budget: number): PolicyContext =>
  contextFor("production", undefined, costContextOf({ cost: { budget } }));
/** The fixture cluster at `size` with `nodeCount` nodes (the primary and its standbys). */
const sizedCluster = (size: string, nodeCount: number) =>
  withInputs(cluster, (inputs) => {
    inputs.size = size;
    inputs.nodeCount = nodeCount;
  });

/** Edits the spec of the app, e.g. to drop its VPC. */
const edgeWith = (name: string, change: (resource: PlanResource) => PlanResource) =>
  changed(edgeZone(), name, change);

const CASES: RuleCase[] = [
  // Data
  {
    rule: "data-firewall-narrow-sources",
    lacking: "a public range no wider than /24",
    pass: () => [firewallOf(cluster)],
    fail: () => [firewallOf(cluster, [{ type: "ip_addr", value: "0.0.0.0/0" }])],
    violation: 'rule ip_addr "0.0.0.0/0" is wider than /24',
  },
  {
    rule: "data-firewall-narrow-sources",
    lacking: "a private range no wider than a VPC",
    pass: () => [firewallOf(cluster, [{ type: "ip_addr", value: "10.110.0.0/16" }])],
    fail: () => [firewallOf(cluster, [{ type: "ip_addr", value: "10.0.0.0/8" }])],
    violation: 'rule ip_addr "10.0.0.0/8" is wider than /16 (private range)',
  },
  {
    rule: "data-firewall-narrow-sources",
    lacking: "an IPv6 range no wider than /48",
    pass: () => [firewallOf(cluster, [{ type: "ip_addr", value: "2001:db8:1::/48" }])],
    fail: () => [firewallOf(cluster, [{ type: "ip_addr", value: "2001:db8::/32" }])],
    violation: 'rule ip_addr "2001:db8::/32" is wider than /48',
  },
  {
    rule: "data-firewall-narrow-sources",
    lacking: "any rule",
    pass: () => [firewallOf(cluster, [{ type: "app", value: "app-uuid" }])],
    fail: () => [firewallOf(cluster, [])],
    violation: "the firewall has no rule, so the database admits every address",
  },
  {
    rule: "data-firewall-every-database",
    lacking: "the replica's firewall",
    pass: () => [cluster, replica, firewallOf(cluster), firewallOf(replica)],
    fail: () => [cluster, replica, firewallOf(cluster)],
    violation: "database-replica-ams3 has no DatabaseFirewall: it admits every address",
  },
  {
    rule: "data-production-standby",
    lacking: "a standby",
    pass: () => [cluster],
    fail: () => [withInputs(cluster, (inputs) => (inputs.nodeCount = 1))],
    violation: "nodeCount is 1: no standby takes over when the primary fails",
  },
  {
    rule: "data-production-replica",
    lacking: "a replica",
    pass: () => [cluster, replica],
    fail: () => [cluster],
    violation: "database-cluster has no read replica outside fra1",
  },
  {
    rule: "data-private-network",
    lacking: "the replica's VPC",
    pass: () => [cluster, replica],
    fail: () => [cluster, withInputs(replica, (inputs) => delete inputs.privateNetworkUuid)],
    violation: "no privateNetworkUuid: the database would be reached over the public internet",
  },
  {
    rule: "data-private-database-urls",
    lacking: "a private host",
    pass: () => [app()],
    fail: () => [apiEnvWith("DATABASE_URL", DATABASE_URL.replace("private-db", "db"))],
    violation:
      "service api DATABASE_URL names host db-fra1.example.db.ondigitalocean.com, not a private- host",
  },
  {
    rule: "data-private-database-urls",
    lacking: "the least-privilege role",
    pass: () => [app()],
    fail: () => [apiEnvWith("DATABASE_URL", DATABASE_URL.replace("//app:", "//doadmin:"))],
    violation:
      "service api DATABASE_URL connects as doadmin; services run as the least-privilege role",
  },
  {
    rule: "data-private-database-urls",
    lacking: "TLS",
    pass: () => [app()],
    fail: () => [apiEnvWith("DATABASE_READ_URL", DATABASE_URL.replace("require", "disable"))],
    violation: "service api DATABASE_READ_URL has sslmode disable; use require or verify-full",
  },
  {
    rule: "data-private-database-urls",
    lacking: "a VPC, whatever the (masked) URL",
    pass: () => [app()],
    fail: () => [app({ vpcs: [] })],
    violation: "service api reads DATABASE_URL but the app joins no VPC (spec.vpcs)",
  },
  {
    rule: "stateful-protected",
    lacking: "protect",
    pass: () => [cluster, replica, ...assetBuckets()],
    fail: () => [{ ...cluster, protect: false }],
    violation: "database-cluster is not protected: pulumi destroy would delete it",
  },
  {
    rule: "stateful-retained",
    lacking: "retainOnDelete",
    pass: () => [cluster, replica, ...assetBuckets()],
    fail: () => [
      replica,
      ...changed(assetBuckets(), "assets-bucket", (b) => ({ ...b, retainOnDelete: false })),
    ],
    violation: "assets-bucket is not retainOnDelete: removing it from the program deletes it",
  },
  // Storage
  {
    rule: "storage-public-access-blocked",
    lacking: "one of the four settings",
    pass: assetBuckets,
    fail: () => withPublicAccess("ignorePublicAcls", false),
    violation: "ignorePublicAcls is not true",
  },
  {
    rule: "storage-public-access-blocked",
    lacking: "the public access block",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-public-access-block"),
    violation: "bucket assets-bucket has no BucketPublicAccessBlock",
  },
  {
    rule: "storage-bucket-owner-enforced",
    lacking: "BucketOwnerEnforced",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-ownership", (r) =>
        withInputs(r, (inputs) => (inputs.rule = { objectOwnership: "ObjectWriter" })),
      ),
    violation: "objectOwnership is ObjectWriter, not BucketOwnerEnforced",
  },
  {
    rule: "storage-bucket-owner-enforced",
    lacking: "the ownership controls",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-logs-ownership"),
    violation: "bucket assets-logs-bucket has no BucketOwnershipControls",
  },
  {
    rule: "storage-encrypted",
    lacking: "a default encryption rule",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-encryption", (r) =>
        withInputs(r, (inputs) => (inputs.rules = [])),
      ),
    violation: "no rule applies AES256 or aws:kms encryption by default",
  },
  {
    rule: "storage-encrypted",
    lacking: "the encryption configuration",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-encryption"),
    violation: "bucket assets-bucket has no BucketServerSideEncryptionConfiguration",
  },
  {
    rule: "storage-versioning-enabled",
    lacking: "versioning",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-versioning", (r) =>
        withInputs(r, (inputs) => (inputs.versioningConfiguration = { status: "Suspended" })),
      ),
    violation: "versioning status is Suspended, not Enabled",
  },
  {
    rule: "storage-versioning-enabled",
    lacking: "the versioning resource",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-logs-versioning"),
    violation: "bucket assets-logs-bucket has no BucketVersioning",
  },
  {
    rule: "storage-lifecycle",
    lacking: "aborting incomplete uploads",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-lifecycle", (r) =>
        withInputs(r, (inputs) => {
          inputs.rules = [
            {
              id: "expire",
              status: "Enabled",
              filter: {},
              noncurrentVersionExpiration: { noncurrentDays: 90 },
            },
          ];
        }),
      ),
    violation: "no enabled, unfiltered rule aborts incomplete multipart uploads",
  },
  {
    rule: "storage-lifecycle",
    lacking: "a rule for every object",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-lifecycle", (r) =>
        withInputs(r, (inputs) => {
          inputs.rules = [
            {
              id: "tmp-only",
              status: "Enabled",
              filter: { prefix: "tmp/" },
              noncurrentVersionExpiration: { noncurrentDays: 90 },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            },
          ];
        }),
      ),
    violation: "no enabled, unfiltered rule expires noncurrent versions",
  },
  {
    rule: "storage-lifecycle",
    lacking: "the lifecycle configuration",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-lifecycle"),
    violation: "bucket assets-bucket has no BucketLifecycleConfiguration",
  },
  {
    rule: "storage-access-logging",
    lacking: "access logging",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-logging"),
    violation: "bucket assets-bucket has no BucketLogging",
  },
  {
    rule: "storage-tls-only",
    lacking: "the TLS-only deny",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-policy", (r) =>
        withInputs(r, (inputs) => {
          inputs.policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
        }),
      ),
    violation: "no statement denies requests without TLS (aws:SecureTransport false)",
  },
  {
    rule: "storage-tls-only",
    lacking: "the deny on the bucket itself",
    pass: assetBuckets,
    fail: () =>
      changed(assetBuckets(), "assets-policy", (r) =>
        withInputs(r, (inputs) => {
          inputs.policy = (inputs.policy as string).replace(`"${bucketArn}",`, "");
        }),
      ),
    violation: "the TLS-only deny does not cover both the bucket and its objects (arn, arn/*)",
  },
  {
    rule: "storage-tls-only",
    lacking: "a bucket policy",
    pass: assetBuckets,
    fail: () => without(assetBuckets(), "assets-logs-policy"),
    violation: "bucket assets-logs-bucket has no BucketPolicy, so nothing refuses plain HTTP",
  },
  // IAM
  {
    rule: "iam-no-wildcard-principal",
    lacking: "a condition on principal *",
    pass: () => [...assetBuckets(), role([trustStatement(GOOD_TRUST)])],
    fail: () =>
      lockedBucket("assets", "assets.example.com", [
        {
          Sid: "AllowAnyone",
          Effect: "Allow",
          Principal: { AWS: "*" },
          Action: "s3:GetObject",
          Resource: `${bucketArn}/*`,
        },
      ]),
    violation: "policy statement AllowAnyone names principal * without a condition",
  },
  {
    rule: "iam-no-wildcard-action",
    lacking: "named actions",
    pass: () => [...assetBuckets(), rolePolicy([readBuckets])],
    fail: () => [
      rolePolicy([{ ...readBuckets, Sid: "EveryS3Call", Action: ["s3:ListBucket", "s3:*"] }]),
    ],
    violation: "policy statement EveryS3Call allows s3:*",
  },
  {
    rule: "iam-no-wildcard-action",
    lacking: "an Action list (NotAction instead)",
    pass: () => [rolePolicy([readBuckets])],
    fail: () => [
      rolePolicy([
        { Sid: "AllButIam", Effect: "Allow", NotAction: "iam:*", Resource: [bucketArn] },
      ]),
    ],
    violation: "policy statement AllButIam allows every action but those in NotAction",
  },
  {
    rule: "iam-no-wildcard-resource",
    lacking: "named resources",
    pass: () => [rolePolicy([readBuckets])],
    fail: () => [rolePolicy([{ ...readBuckets, Sid: "Anywhere", Resource: "*" }])],
    violation: "policy statement Anywhere allows Resource *",
  },
  {
    rule: "iam-ci-no-privilege-escalation",
    lacking: "IAM out of a CI role's grants",
    pass: () => [role([trustStatement(GOOD_TRUST)]), rolePolicy([readBuckets])],
    fail: () => [
      role([trustStatement(GOOD_TRUST)]),
      rolePolicy([
        readBuckets,
        {
          Sid: "ManageRoles",
          Effect: "Allow",
          Action: ["iam:PutRolePolicy"],
          Resource: ["arn:aws:iam::123456789012:role/platform-production-*"],
        },
      ]),
    ],
    violation:
      "CI role platform-production-deploy: statement ManageRoles allows iam:PutRolePolicy on arn:aws:iam::123456789012:role/platform-production-*, which matches arn:aws:iam::123456789012:role/platform-production-deploy",
  },
  {
    rule: "iam-ci-no-privilege-escalation",
    lacking: "a named role to pass",
    pass: () => [role([trustStatement(GOOD_TRUST)]), rolePolicy([readBuckets])],
    fail: () => [
      role([trustStatement(GOOD_TRUST)]),
      rolePolicy([{ Sid: "Pass", Effect: "Allow", Action: "iam:PassRole", Resource: "*" }]),
    ],
    violation:
      "CI role platform-production-deploy: statement Pass allows the IAM write iam:PassRole on every resource",
  },
  {
    rule: "iam-prefix-wildcard-actions",
    lacking: "exact action names",
    pass: () => [rolePolicy([readBuckets])],
    fail: () => [rolePolicy([{ ...readBuckets, Action: ["s3:ListBucket", "s3:GetBucket*"] }])],
    violation: "policy statement ReadBuckets allows s3:GetBucket*",
  },
  // Compute
  {
    rule: "compute-image-by-digest",
    lacking: "a digest",
    pass: () => [app()],
    fail: () => [
      appWithApi({ image: { registryType: "DOCR", repository: "api", tag: "production" } }),
    ],
    violation: "service api has no image digest",
  },
  {
    rule: "compute-image-by-digest",
    lacking: "a well-formed digest",
    pass: () => [app()],
    fail: () => [
      appWithApi({ image: { registryType: "DOCR", repository: "api", digest: "sha256:abc" } }),
    ],
    violation: 'service api has digest "sha256:abc", not sha256:<64 hex digits>',
  },
  {
    rule: "compute-image-by-digest",
    lacking: "an image",
    pass: () => [app()],
    fail: () => [
      appWithApi({ image: undefined, github: { repo: "acme/platform", branch: "main" } }),
    ],
    violation: "service api runs no image: it builds from source",
  },
  {
    rule: "compute-secret-env",
    lacking: "SECRET on a credential",
    pass: () => [app()],
    fail: () => [apiEnvWith("STRIPE_API_KEY", "sk_live_x", false)],
    violation: "service api STRIPE_API_KEY is a credential of type GENERAL, not SECRET",
  },
  {
    rule: "compute-secret-env",
    lacking: "SECRET on a URL with a password",
    pass: () => [apiEnvWith("UPSTREAM", "https://upstream.example.com/", false)],
    fail: () => [apiEnvWith("UPSTREAM", "https://user:pw@upstream.example.com/", false)],
    violation: "service api UPSTREAM holds a URL with a password but is not SECRET",
  },
  {
    rule: "compute-production-instances",
    lacking: "a second instance",
    pass: () => [app()],
    fail: () => [
      appWithApi({
        autoscaling: {
          minInstanceCount: 1,
          maxInstanceCount: 4,
          metrics: { cpu: { percent: 70 } },
        },
      }),
    ],
    violation: "service api runs 1 instance(s) at least; production needs 2",
  },
  {
    rule: "compute-production-instances",
    lacking: "a second fixed instance",
    pass: () => [appWithApi({ autoscaling: undefined, instanceCount: 2 })],
    fail: () => [appWithApi({ autoscaling: undefined, instanceCount: 1 })],
    violation: "service api runs 1 instance(s) at least; production needs 2",
  },
  {
    rule: "compute-production-instances",
    lacking: "a second instance of a worker",
    pass: () => [app({ workers: [{ ...processorWorker, instanceCount: 2 }] })],
    fail: () => [app({ workers: [{ ...processorWorker, instanceCount: 1 }] })],
    violation: "worker processor runs 1 instance(s) at least; production needs 2",
  },
  {
    rule: "compute-app-alerts",
    lacking: "a worker alert that reaches someone",
    pass: () => [app({ workers: [processorWorker] })],
    fail: () => [
      app({
        workers: [
          {
            ...processorWorker,
            alerts: [{ rule: "RESTART_COUNT", destinations: { emails: [], slackWebhooks: [] } }],
          },
        ],
      }),
    ],
    violation: "worker processor has no alert with a destination",
  },
  {
    rule: "compute-health-checks",
    lacking: "a health check",
    pass: () => [app()],
    fail: () => [appWithApi({ healthCheck: undefined })],
    violation: "service api has no health check (healthCheck.httpPath or port)",
  },
  {
    rule: "compute-app-in-vpc",
    lacking: "a VPC",
    pass: () => [app()],
    fail: () => [app({ vpcs: [] })],
    violation: "the app joins no VPC (spec.vpcs is empty)",
  },
  {
    rule: "compute-app-alerts",
    lacking: "a deployment alert",
    pass: () => [app()],
    fail: () => [app({ alerts: [] })],
    violation: "no DEPLOYMENT_FAILED alert with a destination",
  },
  {
    rule: "compute-app-alerts",
    lacking: "a service alert that reaches someone",
    pass: () => [app()],
    fail: () => [
      appWithApi({
        alerts: [{ rule: "CPU_UTILIZATION", destinations: { emails: [], slackWebhooks: [] } }],
      }),
    ],
    violation: "service api has no alert with a destination",
  },
  // Edge
  {
    rule: "edge-ssl-strict",
    lacking: "Full (strict)",
    pass: edgeZone,
    fail: () => edgeWith("zone-ssl", () => zoneSetting("ssl", "full")),
    violation: 'ssl is "full", not "strict"',
  },
  {
    rule: "edge-ssl-strict",
    lacking: "the ssl setting",
    pass: edgeZone,
    fail: () => without(edgeZone(), "zone-ssl"),
    violation: `zone ${ZONE} has no ssl setting`,
  },
  {
    rule: "edge-ssl-strict",
    lacking: "a per-host exception limited to S3",
    pass: edgeZone,
    fail: () =>
      edgeWith("edge-rules-config", () =>
        ruleset("config", "http_config_settings", [
          {
            action: "set_config",
            actionParameters: { ssl: "full" },
            expression: '(http.host eq "app.example.com")',
          },
        ]),
      ),
    violation:
      'edge-rules-config sets ssl "full" for (http.host eq "app.example.com"): only "full" for one S3-backed hostname is allowed',
  },
  {
    rule: "edge-ssl-strict",
    lacking: "encryption to the S3 origin",
    pass: edgeZone,
    fail: () =>
      edgeWith("edge-rules-config", () =>
        ruleset("config", "http_config_settings", [
          {
            action: "set_config",
            actionParameters: { ssl: "flexible" },
            expression: '(http.host eq "assets.example.com")',
          },
        ]),
      ),
    violation:
      'edge-rules-config sets ssl "flexible" for (http.host eq "assets.example.com"): only "full" for one S3-backed hostname is allowed',
  },
  {
    rule: "edge-min-tls",
    lacking: "TLS 1.2 at least",
    pass: edgeZone,
    fail: () => edgeWith("zone-min_tls_version", () => zoneSetting("min_tls_version", "1.0")),
    violation: 'min_tls_version is "1.0", not "1.2" or "1.3"',
  },
  {
    rule: "edge-always-https",
    lacking: "HTTPS redirects",
    pass: edgeZone,
    fail: () => edgeWith("zone-always_use_https", () => zoneSetting("always_use_https", "off")),
    violation: 'always_use_https is "off", not "on"',
  },
  {
    rule: "edge-hsts-production",
    lacking: "a year of HSTS",
    pass: edgeZone,
    fail: () =>
      edgeWith("zone-security_header", () =>
        zoneSetting("security_header", {
          strict_transport_security: { ...HSTS.strict_transport_security, max_age: 86_400 },
        }),
      ),
    violation: "security_header has an HSTS max_age of 86400 s, less than 31536000",
  },
  {
    rule: "edge-origin-lock-header",
    lacking: "the origin-lock rule",
    pass: edgeZone,
    fail: () => without(edgeZone(), "edge-rules-origin-lock"),
    violation: "no http_request_late_transform rule sets the origin-lock header",
  },
  {
    rule: "edge-origin-lock-header",
    lacking: "the origin-lock rule for the app's hostname",
    pass: edgeZone,
    fail: () =>
      edgeWith("edge-rules-origin-lock", (r) =>
        withInputs(r, (inputs) => {
          inputs.rules = [
            {
              action: "rewrite",
              actionParameters: {
                headers: { "x-origin-lock": { operation: "set", value: "[secret]" } },
              },
              expression: '(http.host eq "www.example.com")',
            },
          ];
        }),
      ),
    violation: "no origin-lock header rule matches app.example.com",
  },
  {
    rule: "edge-managed-waf",
    lacking: "a managed ruleset",
    pass: edgeZone,
    fail: () => edgeWith("edge-rules-waf", (r) => withInputs(r, (inputs) => (inputs.rules = []))),
    violation: `zone ${ZONE} deploys no managed WAF ruleset`,
  },
  {
    rule: "edge-rate-limit",
    lacking: "a limit that acts",
    pass: edgeZone,
    fail: () =>
      edgeWith("edge-rules-rate-limit", (r) =>
        withInputs(r, (inputs) => {
          inputs.rules = [
            {
              action: "log",
              expression: "true",
              ratelimit: { period: 10, requestsPerPeriod: 200 },
            },
          ];
        }),
      ),
    violation: `zone ${ZONE} has no rate-limiting rule that blocks or challenges`,
  },
  {
    rule: "edge-records-proxied",
    lacking: "the proxy",
    pass: edgeZone,
    fail: () => [withInputs(assetsRecord, (inputs) => (inputs.proxied = false))],
    violation: "assets.example.com is not proxied: requests reach the origin directly",
  },
  // Delivery
  {
    rule: "delivery-production-reviewers",
    lacking: "a reviewer",
    pass: () => [environment(PRODUCTION_ENVIRONMENT)],
    fail: () => [environment({ ...PRODUCTION_ENVIRONMENT, reviewers: [] })],
    violation: "production has no required reviewer",
  },
  {
    rule: "delivery-production-reviewers",
    lacking: "no admin bypass",
    pass: () => [environment(PRODUCTION_ENVIRONMENT)],
    fail: () => [environment({ ...PRODUCTION_ENVIRONMENT, canAdminsBypass: true })],
    violation: "canAdminsBypass is not false: admins may run without review",
  },
  {
    rule: "delivery-production-reviewers",
    lacking: "a reviewer of production's previews",
    pass: () => [
      environment({
        ...PRODUCTION_ENVIRONMENT,
        environment: "production-preview",
        deploymentBranchPolicy: undefined,
      }),
    ],
    fail: () => [
      environment({
        environment: "production-preview",
        canAdminsBypass: false,
      }),
    ],
    violation: "production-preview has no required reviewer",
  },
  {
    rule: "delivery-deploy-refs-narrow",
    lacking: "one branch by name",
    pass: () => [
      deploymentPolicyOf(environment(PRODUCTION_ENVIRONMENT), { branchPattern: "main" }),
    ],
    fail: () => [deploymentPolicyOf(environment(PRODUCTION_ENVIRONMENT), { branchPattern: "*" })],
    violation: 'branchPattern "*" is a pattern: every matching branch could deploy',
  },
  {
    rule: "delivery-deploy-refs-narrow",
    lacking: "a literal prefix to the tag pattern",
    pass: () => [deploymentPolicyOf(environment(PRODUCTION_ENVIRONMENT))],
    fail: () => [deploymentPolicyOf(environment(PRODUCTION_ENVIRONMENT), { tagPattern: "*" })],
    violation: 'tagPattern "*" starts with a wildcard: any tag anybody pushes could deploy',
  },
  {
    rule: "delivery-release-tags-protected",
    lacking: "the tag ruleset",
    context: owner,
    pass: () => {
      const production = environment(PRODUCTION_ENVIRONMENT);
      return [production, deploymentPolicyOf(production), tagRuleset()];
    },
    fail: () => {
      const production = environment(PRODUCTION_ENVIRONMENT);
      return [production, deploymentPolicyOf(production)];
    },
    violation:
      "no active tag ruleset lets only its bypass list create, update and delete refs/tags/v*, which deploys production",
  },
  {
    rule: "delivery-release-tags-protected",
    lacking: "the release team in the bypass list",
    context: owner,
    pass: () => {
      const production = environment(PRODUCTION_ENVIRONMENT);
      return [production, deploymentPolicyOf(production), tagRuleset()];
    },
    fail: () => {
      const production = environment(PRODUCTION_ENVIRONMENT);
      return [production, deploymentPolicyOf(production), tagRuleset({}, [])];
    },
    violation:
      "no active tag ruleset lets only its bypass list create, update and delete refs/tags/v*, which deploys production",
  },
  {
    rule: "delivery-identity-in-bootstrap",
    lacking: "identity kept out of the platform's stacks",
    context: PRODUCTION,
    pass: () => [],
    fail: () => [environment(PRODUCTION_ENVIRONMENT)],
    violation:
      "pipeline-deploy-environment (github:index/repositoryEnvironment:RepositoryEnvironment) belongs in the bootstrap project",
  },
  {
    rule: "delivery-production-deploy-refs",
    lacking: "a deployment branch policy",
    pass: () => {
      const production = environment(PRODUCTION_ENVIRONMENT);
      return [production, deploymentPolicyOf(production)];
    },
    fail: () => [environment({ ...PRODUCTION_ENVIRONMENT, deploymentBranchPolicy: undefined })],
    violation: "production admits runs from any branch (no deploymentBranchPolicy)",
  },
  {
    rule: "delivery-production-deploy-refs",
    lacking: "the tag pattern",
    pass: () => {
      const production = environment(PRODUCTION_ENVIRONMENT);
      return [production, deploymentPolicyOf(production)];
    },
    fail: () => [environment(PRODUCTION_ENVIRONMENT)],
    violation: "production's custom deployment policy names no branch or tag",
  },
  {
    rule: "delivery-default-branch-ruleset",
    lacking: "the force-push block",
    context: owner,
    pass: () => [repositoryRuleset()],
    fail: () => [repositoryRuleset({ nonFastForward: false })],
    violation: "the default branch may be force-pushed",
  },
  {
    rule: "delivery-default-branch-ruleset",
    lacking: "the ruleset, in the bootstrap project",
    context: owner,
    pass: () => [repositoryRuleset()],
    fail: () => [],
    violation: "the bootstrap project declares no ruleset on the default branch",
  },
  {
    rule: "delivery-default-branch-ruleset",
    lacking: "code owners' review",
    context: owner,
    pass: () => [repositoryRuleset()],
    fail: () => [repositoryRuleset({ pullRequest: { requiredApprovingReviewCount: 1 } })],
    violation: "code owners' review is not required (requireCodeOwnerReview)",
  },
  {
    rule: "delivery-oidc-single-subject",
    lacking: "an exact subject",
    pass: () => [role([trustStatement(GOOD_TRUST)])],
    fail: () => [
      role([
        trustStatement({
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" },
        }),
      ]),
    ],
    violation:
      "assumeRolePolicy statement GitHubActionsEnvironment does not require one exact sub repo:<owner>[@<id>]/<repo>[@<id>]:environment:<name> (StringEquals)",
  },
  {
    rule: "delivery-oidc-single-subject",
    lacking: "the STS audience",
    pass: () => [role([trustStatement(GOOD_TRUST)])],
    fail: () => [
      role([
        trustStatement({
          StringEquals: {
            "token.actions.githubusercontent.com:sub": "repo:acme/platform:environment:production",
          },
        }),
      ]),
    ],
    violation:
      "assumeRolePolicy statement GitHubActionsEnvironment does not require aud = sts.amazonaws.com (StringEquals)",
  },
  {
    rule: "delivery-shared-resources-retained",
    lacking: "protect on the ruleset",
    pass: () => [repositoryRuleset(), oidcProvider],
    fail: () => [repositoryRuleset({}, { protect: false, retainOnDelete: true })],
    violation: "default-branch-ruleset is not protected: destroying its stack deletes it",
  },
  // Monitoring
  {
    rule: "monitoring-uptime-public-hosts",
    lacking: "a check of the app's root page",
    pass: () => [
      ...edgeZone(),
      ...uptime("app", "https://app.example.com/"),
      ...uptime("assets", "https://assets.example.com/healthz.txt"),
    ],
    fail: () => [
      ...edgeZone(),
      ...uptime("api", "https://app.example.com/readyz"),
      ...uptime("assets", "https://assets.example.com/healthz.txt"),
    ],
    violation: "no enabled HTTPS uptime check watches https://app.example.com/",
  },
  {
    rule: "monitoring-uptime-public-hosts",
    lacking: "a check of the assets host",
    pass: () => [
      ...edgeZone(),
      ...uptime("app", "https://app.example.com/"),
      ...uptime("assets", "https://assets.example.com/x"),
    ],
    fail: () => [...edgeZone(), ...uptime("app", "https://app.example.com/")],
    violation: "no enabled HTTPS uptime check watches https://assets.example.com",
  },
  {
    rule: "monitoring-uptime-alerts",
    lacking: "a down alert",
    pass: () => uptime("app", "https://app.example.com/"),
    fail: () => uptime("app", "https://app.example.com/", "latency"),
    violation: "uptime check uptime-app-check has no down alert that notifies anyone",
  },
  {
    rule: "monitoring-uptime-alerts",
    lacking: "someone to notify",
    pass: () => uptime("app", "https://app.example.com/"),
    fail: () => uptime("app", "https://app.example.com/", "down_global", []),
    violation: "uptime check uptime-app-check has no down alert that notifies anyone",
  },
  // Cost
  {
    rule: "cost-within-budget",
    lacking: "a minimum estimate within the budget",
    context: budgeted(150),
    pass: () => [sizedCluster("db-s-2vcpu-4gb", 2)],
    fail: () => [sizedCluster("db-s-4vcpu-8gb", 2)],
    violation:
      "the minimum monthly estimate $240.00 exceeds the budget $150.00 by $90.00; the biggest items: database-cluster db-s-4vcpu-8gb primary node ($120.00), database-cluster db-s-4vcpu-8gb standby nodes ($120.00)",
  },
  {
    rule: "cost-within-budget",
    lacking: "a price for every resource",
    context: budgeted(150),
    pass: () => [sizedCluster("db-s-1vcpu-1gb", 1)],
    fail: () => [
      sizedCluster("db-s-1vcpu-1gb", 1),
      { ...oidcProvider, type: "aws:ec2/instance:Instance" },
    ],
    violation:
      "the budget of $150.00 cannot be checked: github-oidc-provider: type aws:ec2/instance:Instance is neither priced nor listed as free in policy/cost/prices.ts",
  },
];

describe("every rule, both ways", () => {
  it("has at least one case for every rule of the pack, and no case for an unknown rule", () => {
    const ids = RULES.map((rule) => rule.id).sort();
    expect([...new Set(CASES.map((entry) => entry.rule))].sort()).toEqual(ids);
  });

  describe.each(CASES)("$rule without $lacking", (entry) => {
    const context = entry.context ?? PRODUCTION;
    it("passes the compliant stack", () => {
      expect(runRule(entry.rule, entry.pass(), context)).toEqual([]);
    });
    it("fails with the violation", () => {
      expect(runRule(entry.rule, entry.fail(), context)).toContain(entry.violation);
    });
  });
});

describe("the rules' metadata", () => {
  it("has at least 25 rules, each with a unique kebab-case id", () => {
    const ids = RULES.map((rule) => rule.id);
    expect(ids.length).toBeGreaterThanOrEqual(25);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
  });

  it("are as many as the README says", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(/It holds (\d+) rules/.exec(readme)?.[1]).toBe(String(RULES.length));
  });

  it.each(RULES)("$id has a one-line description and a remediation sentence", (rule) => {
    expect(rule.description).not.toMatch(/\n/);
    expect(rule.description.length).toBeGreaterThan(20);
    expect(rule.remediation).toMatch(/^[A-Z].*\.$/);
    expect(rule.remediation).not.toMatch(/\n/);
  });

  it.each(RULES)("$id is mandatory, or advisory with its reason", (rule) => {
    if (rule.enforcementLevel === "advisory")
      expect(rule.advisoryReason?.length).toBeGreaterThan(20);
    else expect(rule.advisoryReason).toBeUndefined();
  });

  it("advises only where a reason is documented: iam-prefix-wildcard-actions", () => {
    expect(
      RULES.filter((rule) => rule.enforcementLevel === "advisory").map((rule) => rule.id),
    ).toEqual(["iam-prefix-wildcard-actions"]);
  });
});

describe("where a rule does not apply", () => {
  it("skips staging for the production-only rules, saying why", () => {
    expect(
      validateResource(
        "data-production-standby",
        withInputs(cluster, (i) => (i.nodeCount = 1)),
        STAGING,
      ),
    ).toEqual({ violations: [], notApplicable: "production only: staging runs no standby" });
    expect(validateStack("data-production-replica", [cluster], STAGING).notApplicable).toBe(
      "production only: staging runs no replica",
    );
    expect(
      validateResource("stateful-protected", { ...cluster, protect: false }, STAGING).notApplicable,
    ).toBe("production only: staging's stateful resources may be rebuilt");
    expect(
      validateResource(
        "compute-production-instances",
        appWithApi({ instanceCount: 1, autoscaling: undefined }),
        STAGING,
      ).notApplicable,
    ).toBe("production only: staging runs one instance");
    const shortHsts = zoneSetting("security_header", {
      strict_transport_security: { enabled: true, max_age: 86_400 },
    });
    expect(validateResource("edge-hsts-production", shortHsts, STAGING).notApplicable).toMatch(
      /^production only/,
    );
  });

  it("leaves retainOnDelete to the offline plan: the engine does not pass it to policies", () => {
    const engineLike = { ...cluster, retainOnDelete: false };
    // What the engine sends has no retainOnDelete at all (analyzer.proto AnalyzerResourceOptions).
    const outcome = validateResource("stateful-retained", engineLike, PRODUCTION, {
      engineOptions: true,
    });
    expect(outcome).toEqual({
      violations: [],
      notApplicable: "the Pulumi engine does not pass retainOnDelete to policy packs",
    });
  });

  it("asks only the bootstrap project to declare the repository's ruleset", () => {
    expect(validateStack("delivery-default-branch-ruleset", [], PRODUCTION).notApplicable).toBe(
      "the bootstrap project owns the repository's rulesets",
    );
    expect(validateStack("delivery-identity-in-bootstrap", [], BOOTSTRAP).notApplicable).toBe(
      "the bootstrap project owns them",
    );
  });

  it("checks masked database URLs for what a preview can see, not their value", () => {
    const masked = apiEnvWith("DATABASE_URL", "[secret]");
    expect(runRule("data-private-database-urls", [masked])).toEqual([]);
    expect(runRule("data-private-database-urls", [app({ vpcs: [] })])).toContain(
      "job migrate reads DATABASE_URL but the app joins no VPC (spec.vpcs)",
    );
  });

  it("lets the PRE_DEPLOY job, and only it, connect as doadmin", () => {
    expect(runRule("data-private-database-urls", [app()])).toEqual([]);
    expect(apiService.envs.map((entry) => entry.key)).toContain("DATABASE_URL");
  });

  it("does not count SECRETS_DIGEST, a digest, as a credential", () => {
    expect(runRule("compute-secret-env", [app()])).toEqual([]);
    expect(
      runRule("compute-secret-env", [
        app({ envs: [{ key: "SECRETS_TOKEN", type: "GENERAL", value: "x" }] }),
      ]),
    ).toEqual(["app SECRETS_TOKEN is a credential of type GENERAL, not SECRET"]);
  });

  it("does not apply the TLS-only deny's s3:* to the wildcard-action rule: it is a Deny", () => {
    expect(runRule("iam-no-wildcard-action", assetBuckets())).toEqual([]);
  });

  it("checks no budget where the stack sets none, or its config is not at hand", () => {
    const stack = [sizedCluster("db-s-16vcpu-64gb", 3)];
    const reason = "the stack sets no cost.budget";
    expect(validateStack("cost-within-budget", stack, PRODUCTION).notApplicable).toBe(reason);
    const noBudget = contextFor("production", undefined, costContextOf({}));
    expect(validateStack("cost-within-budget", stack, noBudget).notApplicable).toBe(reason);
  });

  it("treats an unrelated resource as not applicable", () => {
    expect(validateResource("storage-tls-only", cluster).notApplicable).toBe(
      `storage-tls-only reads ${TYPES.bucketPolicy} only`,
    );
  });
});
