// Compliant resources shaped as the program declares them (see `pnpm plan production --json`);
// each failing case changes one thing about one of them.
import type { PlanResource } from "../../policy/engine-args.ts";
import { TYPES } from "../../policy/types.ts";
import { planResource } from "./support.ts";

export const DIGEST = `sha256:${"a".repeat(64)}`;
export const ZONE = "fedcba9876543210fedcba9876543210";
export const STATEFUL = { protect: true, retainOnDelete: true };

export const cluster = planResource(
  TYPES.cluster,
  "database-cluster",
  {
    engine: "pg",
    name: "platform-production",
    nodeCount: 2,
    region: "fra1",
    privateNetworkUuid: "vpc-fra1",
  },
  STATEFUL,
);
export const replica = planResource(
  TYPES.replica,
  "database-replica-ams3",
  { clusterId: "cluster-id", region: "ams3", privateNetworkUuid: "vpc-ams3" },
  { ...STATEFUL, dependsOn: [cluster] },
);
export const firewallOf = (database: PlanResource, rules?: unknown[]): PlanResource =>
  planResource(
    TYPES.firewall,
    `database-firewall-${database.name}`,
    {
      clusterId: "database-id",
      rules: rules ?? [
        { type: "ip_addr", value: "10.110.0.0/20" },
        { type: "ip_addr", value: "203.0.113.7" },
      ],
    },
    { dependsOn: [database] },
  );

export const env = (key: string, value: string, secret: boolean) => ({
  key,
  scope: "RUN_TIME",
  type: secret ? "SECRET" : "GENERAL",
  value,
});

const alerts = [
  {
    rule: "CPU_UTILIZATION",
    operator: "GREATER_THAN",
    value: 80,
    window: "FIVE_MINUTES",
    destinations: { emails: ["oncall@example.com"], slackWebhooks: [] },
  },
];

export const DATABASE_URL =
  "postgresql://app:pw@private-db-fra1.example.db.ondigitalocean.com:25061/app-pool?sslmode=require";

export const apiService = {
  name: "api",
  image: { registryType: "DOCR", repository: "api", digest: DIGEST },
  autoscaling: { minInstanceCount: 2, maxInstanceCount: 8, metrics: { cpu: { percent: 65 } } },
  healthCheck: { httpPath: "/healthz", port: 3001 },
  alerts,
  envs: [
    env("NODE_ENV", "production", false),
    env("DATABASE_URL", DATABASE_URL, true),
    env("DATABASE_READ_URL", "[secret]", true),
    env("SENTRY_DSN", "[secret]", true),
  ],
};

export const migrateJob = {
  name: "migrate",
  kind: "PRE_DEPLOY",
  image: { registryType: "DOCR", repository: "api", digest: DIGEST },
  envs: [
    env(
      "DATABASE_URL",
      "postgresql://doadmin:pw@private-db-fra1.example.db.ondigitalocean.com:25060/app?sslmode=require",
      true,
    ),
  ],
};

/** A worker as PlatformApp declares it: no port, no health check, alerts like a service. */
export const processorWorker = {
  name: "processor",
  image: { registryType: "DOCR", repository: "processor", digest: `sha256:${"c".repeat(64)}` },
  instanceSizeSlug: "apps-s-1vcpu-1gb",
  instanceCount: 2,
  termination: { gracePeriodSeconds: 60 },
  envs: [env("NODE_ENV", "production", false)],
  alerts: [
    {
      rule: "CPU_UTILIZATION",
      operator: "GREATER_THAN",
      value: 80,
      window: "FIVE_MINUTES",
      destinations: { emails: ["oncall@example.com"], slackWebhooks: [] },
    },
  ],
};

/** An App Platform app as PlatformApp declares it; `spec` replaces whole spec fields. */
export function app(spec: Record<string, unknown> = {}): PlanResource {
  return planResource(TYPES.app, "app-fra-app", {
    spec: {
      name: "platform-production-fra",
      region: "fra",
      vpcs: [{ id: "vpc-fra1" }],
      envs: [env("SECRETS_DIGEST", DIGEST, false)],
      alerts: [
        {
          rule: "DEPLOYMENT_FAILED",
          destinations: { emails: ["oncall@example.com"], slackWebhooks: [] },
        },
      ],
      services: [apiService],
      jobs: [migrateJob],
      ...spec,
    },
  });
}

/** The app with its api service changed. */
export function appWithApi(service: Record<string, unknown>): PlanResource {
  return app({ services: [{ ...apiService, ...service }] });
}

/** The api's env with one variable's value (or type) replaced, or a variable added. */
export function apiEnvWith(key: string, value: string, secret = true): PlanResource {
  const envs = apiService.envs.filter((entry) => entry.key !== key);
  return appWithApi({ envs: [...envs, env(key, value, secret)] });
}

/** A bucket with every control the platform gives it, each depending on the bucket. */
export function lockedBucket(
  name: string,
  bucketName: string,
  extraPolicyStatements: unknown[] = [],
): PlanResource[] {
  const bucket = planResource(TYPES.bucket, `${name}-bucket`, { bucket: bucketName }, STATEFUL);
  const on = { dependsOn: [bucket] };
  const arn = `arn:aws:s3:::${bucketName}`;
  return [
    bucket,
    planResource(
      TYPES.publicAccessBlock,
      `${name}-public-access-block`,
      {
        bucket: "id",
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      },
      on,
    ),
    planResource(
      TYPES.ownership,
      `${name}-ownership`,
      { bucket: "id", rule: { objectOwnership: "BucketOwnerEnforced" } },
      on,
    ),
    planResource(
      TYPES.encryption,
      `${name}-encryption`,
      {
        bucket: "id",
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
            bucketKeyEnabled: true,
          },
        ],
      },
      on,
    ),
    planResource(
      TYPES.versioning,
      `${name}-versioning`,
      { bucket: "id", versioningConfiguration: { status: "Enabled" } },
      on,
    ),
    planResource(
      TYPES.lifecycle,
      `${name}-lifecycle`,
      {
        bucket: "id",
        rules: [
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: 90 },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      on,
    ),
    planResource(
      TYPES.bucketPolicy,
      `${name}-policy`,
      {
        bucket: "id",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": false } },
            },
            ...extraPolicyStatements,
          ],
        }),
      },
      on,
    ),
  ];
}

/** The asset bucket and its log bucket, logging wired as AssetBucket does. */
export function assetBuckets(): PlanResource[] {
  const logs = lockedBucket("assets-logs", "assets.example.com-logs", [
    {
      Sid: "AllowAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: "arn:aws:s3:::assets.example.com-logs/*",
      Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::assets.example.com" } },
    },
  ]);
  const assets = lockedBucket("assets", "assets.example.com", [
    {
      Sid: "AllowReadsFromCdnOnly",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::assets.example.com/*",
      Condition: { IpAddress: { "aws:SourceIp": ["173.245.48.0/20"] } },
    },
  ]);
  const [assetsBucket] = assets;
  const [logsBucket] = logs;
  if (assetsBucket === undefined || logsBucket === undefined) throw new Error("no bucket");
  const logging = planResource(
    TYPES.logging,
    "assets-logging",
    { bucket: "assets-id", targetBucket: "logs-id", targetPrefix: "access-logs/" },
    { dependsOn: [assetsBucket, logsBucket] },
  );
  return [...assets, ...logs, logging];
}

export function iamDocument(statements: unknown[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

export const rolePolicy = (statements: unknown[]): PlanResource =>
  planResource(TYPES.rolePolicy, "ci-deploy-policy", {
    role: "platform-production-deploy",
    policy: iamDocument(statements),
  });

export const trustStatement = (
  condition: Record<string, unknown>,
  action: unknown = "sts:AssumeRoleWithWebIdentity",
) => ({
  Sid: "GitHubActionsEnvironment",
  Effect: "Allow",
  Principal: {
    Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
  },
  Action: action,
  Condition: condition,
});

export const GOOD_TRUST = {
  StringEquals: {
    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
    "token.actions.githubusercontent.com:sub": "repo:acme/platform:environment:production",
  },
};

export const role = (statements: unknown[]): PlanResource =>
  planResource(TYPES.role, "ci-deploy-role", {
    name: "platform-production-deploy",
    assumeRolePolicy: iamDocument(statements),
  });

export const zoneSetting = (settingId: string, value: unknown, zoneId = ZONE): PlanResource =>
  planResource(TYPES.zoneSetting, `zone-${settingId}`, { zoneId, settingId, value });

export const HSTS = {
  strict_transport_security: {
    enabled: true,
    max_age: 63_072_000,
    include_subdomains: true,
    preload: true,
    nosniff: true,
  },
};

export const ruleset = (
  role: string,
  phase: string,
  rules: unknown[],
  zoneId = ZONE,
): PlanResource =>
  planResource(TYPES.ruleset, `edge-rules-${role}`, {
    zoneId,
    kind: "zone",
    name: `platform ${role}`,
    phase,
    rules,
  });

export const loadBalancer = planResource(TYPES.loadBalancer, "app-load-balancer", {
  zoneId: ZONE,
  name: "app.example.com",
  proxied: true,
  steeringPolicy: "off",
});

export const assetsRecord = planResource(TYPES.dnsRecord, "dns-assets-example-com", {
  zoneId: ZONE,
  name: "assets.example.com",
  type: "CNAME",
  content: "assets.example.com.s3.eu-central-1.amazonaws.com",
  proxied: true,
  ttl: 1,
});

/** A zone with every setting and ruleset EdgeRules and ZoneSecurity declare. */
export function edgeZone(): PlanResource[] {
  return [
    zoneSetting("ssl", "strict"),
    zoneSetting("min_tls_version", "1.2"),
    zoneSetting("always_use_https", "on"),
    zoneSetting("security_header", HSTS),
    ruleset("config", "http_config_settings", [
      {
        action: "set_config",
        actionParameters: { ssl: "full" },
        expression: '(http.host eq "assets.example.com")',
      },
    ]),
    ruleset("origin-lock", "http_request_late_transform", [
      {
        action: "rewrite",
        actionParameters: { headers: { "x-origin-lock": { operation: "set", value: "[secret]" } } },
        expression: '(http.host eq "app.example.com")',
      },
    ]),
    ruleset("waf", "http_request_firewall_managed", [
      {
        action: "execute",
        actionParameters: { id: "77454fe2d30c4220b5701f6fdfb893ba" },
        expression: "true",
      },
    ]),
    ruleset("rate-limit", "http_ratelimit", [
      {
        action: "block",
        expression: '(http.request.uri.path eq "/")',
        ratelimit: {
          characteristics: ["cf.colo.id", "ip.src"],
          period: 10,
          requestsPerPeriod: 200,
          mitigationTimeout: 10,
        },
      },
    ]),
    loadBalancer,
    assetsRecord,
  ];
}

export const environment = (inputs: Record<string, unknown>): PlanResource =>
  planResource(TYPES.environment, "pipeline-deploy-environment", {
    repository: "platform",
    ...inputs,
  });

export const PRODUCTION_ENVIRONMENT = {
  environment: "production",
  reviewers: [{ teams: [68245294], users: [] }],
  preventSelfReview: true,
  canAdminsBypass: false,
  deploymentBranchPolicy: { customBranchPolicies: true, protectedBranches: false },
};

export const repositoryRuleset = (
  rules: Record<string, unknown> = {},
  options = STATEFUL,
): PlanResource =>
  planResource(
    TYPES.repositoryRuleset,
    "default-branch-ruleset",
    {
      repository: "platform",
      name: "default-branch",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: { requiredApprovingReviewCount: 1, requireCodeOwnerReview: true },
        requiredStatusChecks: { requiredChecks: [{ context: "Type-check", integrationId: 15368 }] },
        ...rules,
      },
    },
    options,
  );

export function uptime(
  name: string,
  target: string,
  alertType = "down_global",
  emails = ["oncall@example.com"],
): PlanResource[] {
  const check = planResource(TYPES.uptimeCheck, `uptime-${name}-check`, {
    name,
    target,
    type: "https",
    enabled: true,
    regions: ["eu_west"],
  });
  const alert = planResource(
    TYPES.uptimeAlert,
    `uptime-${name}-down`,
    { checkId: "check-id", type: alertType, period: "2m", notifications: [{ emails, slacks: [] }] },
    { dependsOn: [check] },
  );
  return [check, alert];
}

export const oidcProvider = planResource(
  TYPES.oidcProvider,
  "github-oidc-provider",
  { url: "https://token.actions.githubusercontent.com", clientIdLists: ["sts.amazonaws.com"] },
  STATEFUL,
);

export const deploymentPolicyOf = (
  environmentResource: PlanResource,
  ref: Record<string, string> = { tagPattern: "v*" },
): PlanResource =>
  planResource(
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    "pipeline-deploy-deploy-from",
    { repository: "platform", environment: "production", ...ref },
    { dependsOn: [environmentResource] },
  );

/** The release tags' ruleset: only the bypass list (the release team) may create, move or delete. */
export const tagRuleset = (
  rules: Record<string, unknown> = {},
  bypassActors: unknown[] = [{ actorType: "Team", actorId: 42, bypassMode: "always" }],
): PlanResource =>
  planResource(
    TYPES.repositoryRuleset,
    "release-tags-ruleset",
    {
      repository: "platform",
      name: "release-tags",
      target: "tag",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/tags/v*"], excludes: [] } },
      rules: { creation: true, update: true, deletion: true, nonFastForward: true, ...rules },
      bypassActors,
    },
    STATEFUL,
  );

/** The asset buckets with one setting of the asset bucket's public access block changed. */
export function withPublicAccess(flag: string, value: boolean): PlanResource[] {
  return assetBuckets().map((resource) =>
    resource.name === "assets-public-access-block"
      ? { ...resource, inputs: { ...resource.inputs, [flag]: value } }
      : resource,
  );
}
