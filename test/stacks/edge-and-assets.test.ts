import { beforeAll, describe, expect, it } from "vitest";
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { invokeResult, providerState } from "../../tools/mock/provider-outputs.ts";
import { planned } from "../support/plans.ts";
import {
  appSpecOf,
  envOf,
  resourceNamed,
  resourcesOfType,
  serviceOf,
  TYPES,
} from "../support/program.ts";

let run: ProgramRun;

beforeAll(async () => {
  ({ run } = await planned("production"));
});

const byBucket = (type: string) =>
  Object.fromEntries(
    resourcesOfType(run, type).map((resource) => [resource.name, resource.inputs] as const),
  );

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const policyOf = (resource: RecordedResource) =>
  JSON.parse(String(resource.inputs.policy)) as { Statement: Statement[] };

describe("asset buckets in production", () => {
  it("are named after the assets hostname, with a log bucket beside, both protected", () => {
    const buckets = resourcesOfType(run, TYPES.bucket);
    expect(buckets.map((bucket) => bucket.inputs.bucket).sort()).toEqual([
      "assets.example.com",
      "assets.example.com-logs",
    ]);
    for (const bucket of buckets) {
      expect([bucket.protect, bucket.retainOnDelete, bucket.inputs.forceDestroy]).toEqual([
        true,
        true,
        false,
      ]);
    }
  });

  it("block every kind of public access, enforce ownership, encrypt and version both", () => {
    const blocks = Object.values(byBucket(TYPES.publicAccessBlock));
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      expect(block).toMatchObject({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
    }
    for (const ownership of Object.values(byBucket(TYPES.ownership))) {
      expect(ownership.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    }
    for (const encryption of Object.values(byBucket(TYPES.encryption))) {
      expect(encryption.rules).toEqual([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
      ]);
    }
    for (const versioning of Object.values(byBucket(TYPES.versioning))) {
      expect(versioning.versioningConfiguration).toEqual({ status: "Enabled" });
    }
    expect(Object.keys(byBucket(TYPES.encryption))).toHaveLength(2);
  });

  it("expire old versions after the configured days and abort stale multipart uploads", () => {
    const lifecycle = resourceNamed(run, TYPES.lifecycle, "assets-lifecycle");
    expect(lifecycle.inputs.rules).toEqual([
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: {},
        noncurrentVersionExpiration: { noncurrentDays: 90 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
  });

  it("allow cross-origin reads from the platform's own origin only", () => {
    expect(resourceNamed(run, TYPES.cors, "assets-cors").inputs.corsRules).toEqual([
      {
        allowedMethods: ["GET", "HEAD"],
        allowedOrigins: ["https://app.example.com"],
        allowedHeaders: ["*"],
        maxAgeSeconds: 3600,
      },
    ]);
  });

  it("log access to the log bucket", () => {
    const logs = resourceNamed(run, TYPES.bucket, "assets-logs-bucket");
    expect(resourceNamed(run, TYPES.logging, "assets-logging").inputs).toMatchObject({
      targetBucket: logs.id,
      targetPrefix: "access-logs/",
    });
  });

  it("deny requests without TLS and allow anonymous reads only from Cloudflare's ranges", () => {
    const { Statement } = policyOf(resourceNamed(run, TYPES.bucketPolicy, "assets-policy"));
    const ranges = invokeResult("cloudflare:index/getIpRanges:getIpRanges", {});
    expect(run.calls.map((call) => call.token)).toContain(
      "cloudflare:index/getIpRanges:getIpRanges",
    );
    expect(Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::assets.example.com", "arn:aws:s3:::assets.example.com/*"],
        Condition: { Bool: { "aws:SecureTransport": false } },
      },
      {
        Sid: "AllowReadsFromCdnOnly",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::assets.example.com/*",
        Condition: {
          IpAddress: {
            // IPv4 only: the bucket's regional endpoint has no IPv6 address.
            "aws:SourceIp": ranges.ipv4Cidrs,
          },
        },
      },
    ]);
  });

  it("let only S3's log delivery write to the log bucket, over TLS", () => {
    const { Statement } = policyOf(resourceNamed(run, TYPES.bucketPolicy, "assets-logs-policy"));
    expect(Statement.map((statement) => [statement.Sid, statement.Effect])).toEqual([
      ["DenyInsecureTransport", "Deny"],
      ["AllowAccessLogDelivery", "Allow"],
    ]);
    expect(Statement[1]).toMatchObject({
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::assets.example.com" } },
    });
  });
});

describe("no long-lived AWS identity", () => {
  it("exists: no IAM user, no access key, and no AWS credential in any app", () => {
    expect(resourcesOfType(run, TYPES.iamUser)).toEqual([]);
    expect(resourcesOfType(run, "aws:iam/accessKey:AccessKey")).toEqual([]);
    for (const app of resourcesOfType(run, TYPES.app)) {
      expect(JSON.stringify(app.inputs.spec)).not.toMatch(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)/);
    }
  });
});

function rulesByPhase(): Record<string, unknown> {
  return Object.fromEntries(
    resourcesOfType(run, TYPES.ruleset).map(
      (ruleset) => [String(ruleset.inputs.phase), ruleset.inputs.rules] as const,
    ),
  );
}

/** The origin lock's current secret, as the mock provider generated it. */
function originLockSecret(): string {
  const secret = resourceNamed(run, TYPES.randomPassword, "origin-lock-secret-1");
  return String(providerState(secret.type, secret.name, secret.inputs, secret.id).result);
}

describe("the Cloudflare zone in production", () => {
  it("verifies origins, requires TLS 1.2, offers TLS 1.3, redirects to HTTPS and sends HSTS", () => {
    const settings = Object.fromEntries(
      resourcesOfType(run, TYPES.zoneSetting).map(
        (setting) => [String(setting.inputs.settingId), setting.inputs.value] as const,
      ),
    );
    expect(settings).toEqual({
      ssl: "strict",
      min_tls_version: "1.2",
      tls_1_3: "on",
      always_use_https: "on",
      security_header: {
        strict_transport_security: {
          enabled: true,
          max_age: 63072000,
          include_subdomains: true,
          preload: true,
          nosniff: true,
        },
      },
    });
  });

  it("fails over in order between one pool per region, each watched by its own HTTPS monitor", () => {
    const pools = ["fra", "ams"].map((region) =>
      resourceNamed(run, TYPES.pool, `app-load-balancer-pool-${region}`),
    );
    const balancer = resourceNamed(run, TYPES.loadBalancer, "app-load-balancer-load-balancer");
    expect(balancer.inputs).toMatchObject({
      name: "app.example.com",
      defaultPools: pools.map((pool) => pool.id),
      fallbackPool: pools[1]?.id,
      steeringPolicy: "off",
      sessionAffinity: "none",
      proxied: true,
    });
    for (const [index, region] of ["fra", "ams"].entries()) {
      const pool = pools[index];
      const monitor = resourceNamed(run, TYPES.monitor, `app-load-balancer-monitor-${region}`);
      const app = resourceNamed(run, TYPES.app, `app-${region}-app`);
      const ingress = providerState(app.type, app.name, app.inputs, app.id).defaultIngress;
      const host = new URL(String(ingress)).host;
      expect(pool?.inputs).toMatchObject({
        monitor: monitor.id,
        origins: [{ name: region, address: host, enabled: true, header: { hosts: [host] } }],
      });
      // The web's readiness, which asks the api and its database; with the origin lock's
      // secret, which the zone's request-header rule does not add to health probes.
      expect(monitor.inputs).toMatchObject({
        type: "https",
        path: "/readyz",
        expectedCodes: "200",
        header: { Host: [host], "x-origin-lock": [originLockSecret()] },
      });
    }
  });

  it("points the assets hostname at the bucket through a proxied record, and no record at the app", () => {
    const records = resourcesOfType(run, TYPES.dnsRecord);
    expect(records.map((record) => record.inputs)).toEqual([
      {
        zoneId: "fedcba9876543210fedcba9876543210",
        name: "assets.example.com",
        type: "CNAME",
        content: "assets.example.com.s3.eu-central-1.amazonaws.com",
        proxied: true,
        ttl: 1,
        comment: expect.stringContaining("named after this hostname") as unknown,
      },
    ]);
  });

  it("builds the web image so that Server Actions accept the public hostname behind the balancer", () => {
    const web = resourceNamed(run, TYPES.image, "image-web-image");
    expect((web.inputs.build as { args: unknown }).args).toEqual({
      SERVER_ACTIONS_ALLOWED_ORIGINS: "app.example.com",
    });
  });

  it("caches build output and assets long, and rate-limits form posts as a Pro zone allows", () => {
    const rules = rulesByPhase();
    expect(rules.http_request_cache_settings).toEqual([
      expect.objectContaining({
        expression:
          '(http.host eq "app.example.com" and starts_with(http.request.uri.path, "/_next/static/")) or (http.host eq "assets.example.com")',
        action: "set_cache_settings",
        actionParameters: {
          cache: true,
          edgeTtl: { mode: "override_origin", default: 2592000 },
          browserTtl: { mode: "respect_origin" },
        },
      }),
    ]);
    expect(rules.http_ratelimit).toEqual([
      expect.objectContaining({
        // Pro: host and path, no method (Business and up).
        expression: '(http.host eq "app.example.com" and http.request.uri.path eq "/")',
        action: "block",
        ratelimit: {
          characteristics: ["cf.colo.id", "ip.src"],
          period: 60,
          requestsPerPeriod: 600,
          mitigationTimeout: 60,
        },
      }),
    ]);
    expect(rules.http_config_settings).toEqual([
      expect.objectContaining({
        expression: '(http.host eq "assets.example.com")',
        actionParameters: { ssl: "full" },
      }),
    ]);
  });

  it("deploys the Free, Cloudflare and OWASP managed WAF rulesets a Pro zone includes", () => {
    expect(rulesByPhase().http_request_firewall_managed).toEqual(
      [
        "77454fe2d30c4220b5701f6fdfb893ba",
        "efb7b8c949ac4650a09736fc376e9aee",
        "4814384a9e5d4991b9815dcfc25d2f1f",
      ].map((id): unknown =>
        expect.objectContaining({
          action: "execute",
          expression: "true",
          actionParameters: { id },
        }),
      ),
    );
  });

  it("keeps an adopted entry point's name, which would replace it, and marks every one by its description", () => {
    const rulesets = resourcesOfType(run, TYPES.ruleset);
    expect(rulesets).toHaveLength(6);
    for (const ruleset of rulesets) {
      expect(ruleset.ignoreChanges).toEqual(["name"]);
      expect(ruleset.inputs.description).toBe(ruleset.inputs.name);
      expect(ruleset.inputs.name).toMatch(/^platform /);
    }
  });

  it("stamps the origin lock's secret on every request for the app, after the apps accept it", () => {
    const ruleset = resourcesOfType(run, TYPES.ruleset).find(
      (candidate) => candidate.inputs.phase === "http_request_late_transform",
    );
    expect(ruleset?.inputs.rules).toEqual([
      expect.objectContaining({
        expression: '(http.host eq "app.example.com")',
        action: "rewrite",
        actionParameters: {
          headers: { "x-origin-lock": { operation: "set", value: originLockSecret() } },
        },
      }),
    ]);
    // The secret stays a Pulumi secret on its way to Cloudflare.
    expect(ruleset?.secretInputs).toEqual([
      "rules[0].actionParameters.headers.x-origin-lock.value",
    ]);
    const apps = resourcesOfType(run, TYPES.app).map((app) => app.urn);
    expect(ruleset?.dependsOn).toEqual(expect.arrayContaining(apps));
    // The apps accept exactly that secret, as a SECRET env var of both services.
    for (const app of resourcesOfType(run, TYPES.app)) {
      for (const name of ["web", "api"]) {
        expect(envOf(serviceOf(appSpecOf(app), name), "ORIGIN_LOCK_SECRETS")).toMatchObject({
          type: "SECRET",
          value: originLockSecret(),
        });
      }
    }
  });

  it("gives asset responses the app's CORS origin after the cache, whatever it holds", () => {
    expect(rulesByPhase().http_response_headers_transform).toEqual([
      expect.objectContaining({
        expression: '(http.host eq "assets.example.com")',
        action: "rewrite",
        actionParameters: {
          headers: {
            "access-control-allow-origin": { operation: "set", value: "https://app.example.com" },
            vary: { operation: "set", value: "Origin" },
          },
        },
      }),
    ]);
  });

  it("routes only the web publicly: the api has no route and no HTTP port", () => {
    for (const app of resourcesOfType(run, TYPES.app)) {
      const spec = appSpecOf(app);
      expect(spec.ingress.rules).toEqual([
        { component: { name: "web" }, match: { path: { prefix: "/" } } },
      ]);
      expect(serviceOf(spec, "api")).toMatchObject({
        httpPort: 0,
        internalPorts: [3001],
        healthCheck: { httpPath: "/healthz", port: 3001 },
      });
      expect(envOf(serviceOf(spec, "web"), "API_URL")?.value).toBe("http://api:3001");
    }
  });
});
