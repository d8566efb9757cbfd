import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  edgeExpressions,
  managedWafRules,
  rateLimitExpression,
  rateLimitRules,
  type EdgeRulesArgs,
} from "../../infra/edge/edge-rules.ts";
import {
  failoverLoadBalancerArgsProblems,
  type FailoverLoadBalancerArgs,
} from "../../infra/edge/failover-load-balancer.ts";
import { zoneSecuritySettings } from "../../infra/edge/zone-security.ts";
import { assetBucketArgsProblems, type AssetBucketArgs } from "../../infra/storage/asset-bucket.ts";
import { assetBucketPolicy } from "../../infra/storage/bucket-policies.ts";

describe("edge expressions", () => {
  it("quote hostnames so that a value cannot change the expression", () => {
    const { app, assets } = edgeExpressions('app.example.com" or true or "', "assets.example.com");
    expect(app).toBe('(http.host eq "app.example.com\\" or true or \\"")');
    expect(assets).toBe('(http.host eq "assets.example.com")');
  });
});

describe("rules valid on the zone's plan", () => {
  const args: EdgeRulesArgs = {
    zoneId: "z",
    plan: "free",
    appHost: "app.example.com",
    assetsHost: "assets.example.com",
    staticEdgeTtlSeconds: 7200,
    rateLimit: { requests: 100, periodSeconds: 10 },
    originLock: { header: "x-origin-lock", value: "s" },
  };

  it.each([
    ["free", '(http.request.uri.path eq "/")'],
    ["pro", '(http.host eq "app.example.com" and http.request.uri.path eq "/")'],
    ["business", '(http.host eq "app.example.com" and http.request.method eq "POST")'],
    ["enterprise", '(http.host eq "app.example.com" and http.request.method eq "POST")'],
  ] as const)("match only fields %s allows in the rate limit", (plan, expression) => {
    expect(rateLimitExpression(plan, args.appHost)).toBe(expression);
  });

  /**
   * Whether a rate-limit expression matches a request. It understands what rateLimitExpression
   * writes (equality on the host, path and method, joined by `and`), and fails on anything else
   * rather than guess.
   */
  function matches(expression: string, request: { host: string; path: string; method: string }) {
    const fields: Record<string, string> = {
      "http.host": request.host,
      "http.request.uri.path": request.path,
      "http.request.method": request.method,
    };
    return expression
      .replace(/^\((.*)\)$/, "$1")
      .split(" and ")
      .every((clause) => {
        const [, field = "", value = ""] = /^([\w.]+) eq "(.*)"$/.exec(clause) ?? [];
        const actual = fields[field];
        if (actual === undefined) throw new Error(`cannot evaluate ${clause}`);
        return actual === value;
      });
  }

  it.each(["free", "pro", "business", "enterprise"] as const)(
    "count the public form's posts on %s, which go to the page that renders the form",
    (plan) => {
      // The form (an unauthenticated write) is rendered by the root page, and React posts its
      // Server Action to the page's own URL.
      const page = readFileSync(
        path.join(import.meta.dirname, "../../services/web/app/page.tsx"),
        "utf8",
      );
      expect(page).toContain("<ItemForm />");
      const expression = rateLimitExpression(plan, args.appHost);
      const formPost = { host: args.appHost, path: "/", method: "POST" };
      expect(matches(expression, formPost)).toBe(true);
      expect(
        matches(expression, { ...formPost, path: "/_next/static/chunks/a.js", method: "GET" }),
      ).toBe(false);
      // From Business on, the method tells a form post from a page load.
      const pageLoad = matches(expression, { ...formPost, method: "GET" });
      expect(pageLoad).toBe(plan === "free" || plan === "pro");
    },
  );

  it("count by the characteristics every plan allows, with the period as mitigation timeout", () => {
    expect(rateLimitRules(args)[0]?.ratelimit).toEqual({
      characteristics: ["cf.colo.id", "ip.src"],
      period: 10,
      requestsPerPeriod: 100,
      mitigationTimeout: 10,
    });
  });

  it("deploy the Free Managed Ruleset everywhere, and the paid ones only where included", () => {
    const ids = (plan: EdgeRulesArgs["plan"]) =>
      managedWafRules(plan).map(
        (rule) => (rule.actionParameters as { id?: string } | undefined)?.id,
      );
    expect(ids("free")).toEqual(["77454fe2d30c4220b5701f6fdfb893ba"]);
    for (const plan of ["pro", "business", "enterprise"] as const) {
      expect(ids(plan)).toEqual([
        "77454fe2d30c4220b5701f6fdfb893ba",
        "efb7b8c949ac4650a09736fc376e9aee",
        "4814384a9e5d4991b9815dcfc25d2f1f",
      ]);
    }
    for (const rule of managedWafRules("pro")) {
      expect(rule).toMatchObject({ action: "execute", expression: "true" });
    }
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
    route: { emails: ["oncall@example.com"] },
  };
  it.each([
    [{}, []],
    [{ origins: [{ region: "fra", host: "fra.example.net" }] }, []],
    [{ origins: [] }, ["origins is empty; give at least the primary region's origin"]],
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
      { bucketName: "aa" },
      ['bucketName "aa" is too short: S3 bucket names have at least 3 characters'],
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
});
