import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

type RulesetRule = cloudflare.types.input.RulesetRule;

export interface EdgeRulesArgs {
  zoneId: pulumi.Input<string>;
  /** Hostname of the app (web at `/`, api at `/api`). */
  appHost: string;
  /** Hostname of the asset bucket. */
  assetsHost: string;
  /** Edge cache TTL of Next.js build output and assets, in seconds. */
  staticEdgeTtlSeconds: number;
  /** Requests one client address may make to `/api/` per period before it is blocked. */
  rateLimit: { requests: number; periodSeconds: number };
}

const quoted = (value: string) => JSON.stringify(value);

/** Expressions in Cloudflare's rules language, kept apart so they can be read and tested. */
export function edgeExpressions(appHost: string, assetsHost: string) {
  const api = `(http.host eq ${quoted(appHost)} and starts_with(http.request.uri.path, "/api/"))`;
  return {
    /** Next.js's hashed build output never changes under one name; assets are versioned. */
    longLived: `(http.host eq ${quoted(appHost)} and starts_with(http.request.uri.path, "/_next/static/")) or (http.host eq ${quoted(assetsHost)})`,
    api,
    assets: `(http.host eq ${quoted(assetsHost)})`,
  };
}

export function cacheRules(args: EdgeRulesArgs): RulesetRule[] {
  const expressions = edgeExpressions(args.appHost, args.assetsHost);
  return [
    {
      ref: "cache_static_long",
      description: "Cache Next.js build output and assets at the edge",
      expression: expressions.longLived,
      action: "set_cache_settings",
      actionParameters: {
        cache: true,
        edgeTtl: { mode: "override_origin", default: args.staticEdgeTtlSeconds },
        browserTtl: { mode: "respect_origin" },
      },
    },
    {
      ref: "bypass_api",
      description: "Never cache the api",
      expression: expressions.api,
      action: "set_cache_settings",
      actionParameters: { cache: false },
    },
  ];
}

export function rateLimitRules(args: EdgeRulesArgs): RulesetRule[] {
  return [
    {
      ref: "rate_limit_api",
      description: "Block a client address that floods the api",
      expression: edgeExpressions(args.appHost, args.assetsHost).api,
      action: "block",
      ratelimit: {
        characteristics: ["cf.colo.id", "ip.src"],
        period: args.rateLimit.periodSeconds,
        requestsPerPeriod: args.rateLimit.requests,
        mitigationTimeout: args.rateLimit.periodSeconds,
      },
    },
  ];
}

/**
 * S3's certificate names `*.s3.<region>.amazonaws.com`, never a custom hostname, so for the
 * assets hostname only Cloudflare encrypts to the origin without verifying the name (`full`);
 * every other hostname keeps Full (strict). Rewriting the Host header instead would need an
 * Enterprise plan.
 */
export function configurationRules(args: EdgeRulesArgs): RulesetRule[] {
  return [
    {
      ref: "assets_origin_tls",
      description: "Encrypt to the S3 origin, whose certificate cannot name the assets hostname",
      expression: edgeExpressions(args.appHost, args.assetsHost).assets,
      action: "set_config",
      actionParameters: { ssl: "full" },
    },
  ];
}

/** The zone's cache rules, rate limit and per-hostname TLS configuration, one ruleset per phase. */
export class EdgeRules extends pulumi.ComponentResource {
  constructor(name: string, args: EdgeRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:edge:EdgeRules", name, {}, opts);

    const phases = [
      { role: "cache", phase: "http_request_cache_settings", rules: cacheRules(args) },
      { role: "rate-limit", phase: "http_ratelimit", rules: rateLimitRules(args) },
      { role: "config", phase: "http_config_settings", rules: configurationRules(args) },
    ];
    for (const { role, phase, rules } of phases) {
      new cloudflare.Ruleset(
        `${name}-${role}`,
        { zoneId: args.zoneId, kind: "zone", name: `platform ${role}`, phase, rules },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
