import { describe, expect, it } from "vitest";
import { edgeExpressions } from "../../infra/edge/edge-rules.ts";
import {
  failoverLoadBalancerArgsProblems,
  type FailoverLoadBalancerArgs,
} from "../../infra/edge/failover-load-balancer.ts";
import { zoneSecuritySettings } from "../../infra/edge/zone-security.ts";
import { assetBucketArgsProblems, type AssetBucketArgs } from "../../infra/storage/asset-bucket.ts";
import { assetBucketPolicy, uploaderPolicy } from "../../infra/storage/bucket-policies.ts";

describe("edge expressions", () => {
  it("quote hostnames so that a value cannot change the expression", () => {
    const { api, assets } = edgeExpressions('app.example.com" or true or "', "assets.example.com");
    expect(api).toContain('http.host eq "app.example.com\\" or true or \\""');
    expect(assets).toBe('(http.host eq "assets.example.com")');
  });
});

describe("zone security settings", () => {
  it("carry the configured HSTS policy", () => {
    const settings = zoneSecuritySettings({
      maxAgeSeconds: 600,
      includeSubdomains: false,
      preload: false,
    });
    expect(settings.map((setting) => setting.settingId)).toEqual([
      "ssl",
      "min_tls_version",
      "tls_1_3",
      "always_use_https",
      "security_header",
    ]);
    expect(settings.at(-1)?.value).toEqual({
      strict_transport_security: {
        enabled: true,
        max_age: 600,
        include_subdomains: false,
        preload: false,
        nosniff: true,
      },
    });
  });
});

describe("FailoverLoadBalancer arguments", () => {
  const base: FailoverLoadBalancerArgs = {
    accountId: "a",
    zoneId: "z",
    hostname: "app.example.com",
    origins: [
      { region: "fra", host: "fra.example.net" },
      { region: "ams", host: "ams.example.net" },
    ],
    healthCheckPath: "/api/healthz",
    notificationEmail: "oncall@example.com",
  };
  it.each([
    [{}, []],
    [
      { origins: [{ region: "fra", host: "fra.example.net" }] },
      ["origins has 1; a failover load balancer needs at least 2 (one per region)"],
    ],
    [
      {
        origins: [
          { region: "fra", host: "a" },
          { region: "fra", host: "b" },
        ],
      },
      ["origins repeat a region (fra, fra); give one origin per region"],
    ],
    [{ healthCheckPath: "healthz" }, ['healthCheckPath "healthz" must start with /']],
  ])("%j → %j", (change, problems) => {
    expect(failoverLoadBalancerArgsProblems({ ...base, ...change })).toEqual(problems);
  });
});

describe("AssetBucket arguments", () => {
  const base: AssetBucketArgs = {
    bucketName: "assets.example.com",
    readerCidrs: ["173.245.48.0/20"],
    corsOrigins: ["https://app.example.com"],
    noncurrentVersionExpirationDays: 30,
  };
  it.each([
    [{}, []],
    [
      { bucketName: "Assets" },
      ['bucketName "Assets" is not a valid S3 bucket name (a-z, 0-9, . and -)'],
    ],
    [
      { bucketName: `${"a".repeat(55)}.com` },
      [
        `bucketName "${"a".repeat(55)}.com" is too long: its log bucket "${"a".repeat(55)}.com-logs" exceeds 63 characters`,
      ],
    ],
    [
      { noncurrentVersionExpirationDays: 0 },
      ["noncurrentVersionExpirationDays must be a whole number of days from 1"],
    ],
    [
      { corsOrigins: ["*"] },
      ['corsOrigins entry "*" is not an https origin such as https://app.example.com'],
    ],
  ])("%j → %j", (change, problems) => {
    expect(assetBucketArgsProblems({ ...base, ...change })).toEqual(problems);
  });
});

describe("bucket policies", () => {
  it("refuse to build an asset policy without the CDN's ranges", () => {
    expect(() => assetBucketPolicy("arn:aws:s3:::b", [])).toThrow(
      "the asset bucket policy needs the CDN's address ranges; none were given",
    );
  });

  it.each([["0.0.0.0/0"], ["10.0.0.0/7"], ["2a06:98c0::/29"], ["::/0"]])(
    "refuse a reader range as wide as %s, which S3 would count as public",
    (cidr) => {
      expect(() => assetBucketPolicy("arn:aws:s3:::b", ["173.245.48.0/20", cidr])).toThrow(
        `reader ranges ${cidr} are wider than /8 (IPv4) or /32 (IPv6)`,
      );
    },
  );

  it("refuse a reader range that is no range", () => {
    expect(() => assetBucketPolicy("arn:aws:s3:::b", ["cloudflare"])).toThrow(
      "reader ranges cloudflare are not IP addresses or CIDR ranges",
    );
  });

  it("accept the CDN's published ranges", () => {
    expect(() =>
      assetBucketPolicy("arn:aws:s3:::b", ["104.16.0.0/13", "2606:4700::/32", "198.51.100.7"]),
    ).not.toThrow();
  });

  it("scope the uploader to its prefix, with no principal in an identity policy", () => {
    const [statement] = uploaderPolicy("arn:aws:s3:::b", "uploads/").Statement;
    expect(statement).toEqual({
      Sid: "ManageUploads",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      Resource: "arn:aws:s3:::b/uploads/*",
    });
  });
});
