import type * as Cloudflare from "@pulumi/cloudflare";
import { cloudflare } from "../sdk/cloudflare.ts";
import type * as pulumi from "@pulumi/pulumi";
import { PlatformComponent } from "../core/component.ts";

type RulesetRule = Cloudflare.types.input.RulesetRule;

/** The zone's Cloudflare plan: it decides which rule fields, periods and managed rulesets exist. */
export type ZonePlan = "free" | "pro" | "business" | "enterprise";

export interface EdgeRulesArgs {
  zoneId: pulumi.Input<string>;
  plan: ZonePlan;
  /** Hostname of the app, where the public services answer under their routes. */
  appHost: string;
  /** Hostname of the asset bucket. */
  assetsHost: string;
  /** Edge cache TTL of Next.js build output and assets, in seconds. */
  staticEdgeTtlSeconds: number;
  /** Requests one client address may make to the app's form posts per period. */
  rateLimit: { requests: number; periodSeconds: number };
  /** The header every request for the app gets, carrying the origin lock's secret. */
  originLock: { header: string; value: pulumi.Input<string> };
  /**
   * What must be in place before the edge sends a new origin-lock secret: the apps that accept
   * it. Otherwise, during a rotation, the edge would send a secret the apps still refuse.
   * @default []
   */
  originLockAfter?: pulumi.Resource[];
}

/**
 * The name the stack gives each of its entry-point rulesets, and the description that marks one as
 * the stack's own, whatever its name (an adopted ruleset keeps the one it had).
 */
const rulesetLabel = (role: string) => `platform ${role}`;

/**
 * Cloudflare's managed WAF rulesets and the plans that include them
 * (developers.cloudflare.com/waf/managed-rules/#availability).
 */
export const MANAGED_RULESETS = [
  { name: "Cloudflare Free Managed Ruleset", id: "77454fe2d30c4220b5701f6fdfb893ba", from: "free" },
  { name: "Cloudflare Managed Ruleset", id: "efb7b8c949ac4650a09736fc376e9aee", from: "pro" },
  { name: "Cloudflare OWASP Core Ruleset", id: "4814384a9e5d4991b9815dcfc25d2f1f", from: "pro" },
] as const;

const PLAN_ORDER: readonly ZonePlan[] = ["free", "pro", "business", "enterprise"];
const includes = (plan: ZonePlan, from: ZonePlan) =>
  PLAN_ORDER.indexOf(plan) >= PLAN_ORDER.indexOf(from);

const quoted = (value: string) => JSON.stringify(value);

/** Expressions in Cloudflare's rules language, kept apart so they can be read and tested. */
export function edgeExpressions(appHost: string, assetsHost: string) {
  const app = `(http.host eq ${quoted(appHost)})`;
  return {
    app,
    /** Next.js's hashed build output never changes under one name; assets are versioned. */
    longLived: `(http.host eq ${quoted(appHost)} and starts_with(http.request.uri.path, "/_next/static/")) or (http.host eq ${quoted(assetsHost)})`,
    assets: `(http.host eq ${quoted(assetsHost)})`,
  };
}

export function cacheRules(args: EdgeRulesArgs): RulesetRule[] {
  return [
    {
      ref: "cache_static_long",
      description: "Cache Next.js build output and assets at the edge",
      expression: edgeExpressions(args.appHost, args.assetsHost).longLived,
      action: "set_cache_settings",
      actionParameters: {
        cache: true,
        edgeTtl: { mode: "override_origin", default: args.staticEdgeTtlSeconds },
        browserTtl: { mode: "respect_origin" },
      },
    },
  ];
}

/**
 * What the rate limit counts, by plan (Cloudflare's rate-limiting availability table): on Free a
 * rule may only match the path (and verified bots), on Pro also the host, and only Business and up
 * may match the method. The app's public form (the front end's items page, an unauthenticated
 * write) posts its Next.js Server Action to the page's own path, `/`, so below Business the rule
 * counts requests to `/`, page loads included. The front end limits form posts per client again.
 */
export function rateLimitExpression(plan: ZonePlan, appHost: string): string {
  switch (plan) {
    case "free":
      return `(http.request.uri.path eq "/")`;
    case "pro":
      return `(http.host eq ${quoted(appHost)} and http.request.uri.path eq "/")`;
    case "business":
    case "enterprise":
      return `(http.host eq ${quoted(appHost)} and http.request.method eq "POST")`;
  }
}

export function rateLimitRules(args: EdgeRulesArgs): RulesetRule[] {
  return [
    {
      ref: "rate_limit_form_posts",
      description: "Rate-limit each client address on the app's public form (its posts to /)",
      expression: rateLimitExpression(args.plan, args.appHost),
      action: "block",
      ratelimit: {
        // The only characteristics every plan allows.
        characteristics: ["cf.colo.id", "ip.src"],
        period: args.rateLimit.periodSeconds,
        requestsPerPeriod: args.rateLimit.requests,
        // Free allows a 10 s timeout only; the config rules keep the period within the plan.
        mitigationTimeout: args.rateLimit.periodSeconds,
      },
    },
  ];
}

/** The managed WAF rulesets the plan includes, each deployed over every request. */
export function managedWafRules(plan: ZonePlan): RulesetRule[] {
  return MANAGED_RULESETS.filter((ruleset) => includes(plan, ruleset.from)).map((ruleset) => ({
    ref: `execute_${ruleset.id.slice(0, 8)}`,
    description: `Deploy the ${ruleset.name}`,
    expression: "true",
    action: "execute",
    actionParameters: { id: ruleset.id },
  }));
}

/**
 * Stamps the origin lock's secret on every request for the app, load-balanced ones included: a
 * request header transform rule (phase `http_request_late_transform`, action `rewrite`, on every
 * plan; developers.cloudflare.com/rules/transform/request-header-modification/). Health probes do
 * not pass through it, so the monitors send the header themselves.
 */
export function originLockRules(args: EdgeRulesArgs): RulesetRule[] {
  return [
    {
      ref: "origin_lock",
      description: "Prove to the app that the request came through Cloudflare",
      expression: edgeExpressions(args.appHost, args.assetsHost).app,
      action: "rewrite",
      actionParameters: {
        headers: { [args.originLock.header]: { operation: "set", value: args.originLock.value } },
      },
    },
  ];
}

/**
 * A response header transform rule (phase `http_response_headers_transform`, every plan;
 * developers.cloudflare.com/rules/transform/response-header-modification/), applied after the
 * cache. S3 answers CORS headers only to requests that carry `Origin`; a response cached from a plain
 * `<img>` request would then reach the app's `fetch()` without them. Set at the edge after the
 * cache, the header is on every response of the assets host, whatever the cache holds.
 */
export function assetsCorsRules(args: EdgeRulesArgs): RulesetRule[] {
  return [
    {
      ref: "assets_cors",
      description: "Let the app read assets, whatever the cache saw first",
      expression: edgeExpressions(args.appHost, args.assetsHost).assets,
      action: "rewrite",
      actionParameters: {
        headers: {
          "access-control-allow-origin": {
            operation: "set",
            value: `https://${args.appHost}`,
          },
          vary: { operation: "set", value: "Origin" },
        },
      },
    },
  ];
}

/**
 * S3's certificate names `*.s3.<region>.amazonaws.com`, and the bucket, named after the assets
 * hostname, has dots in its name, which that wildcard cannot match. So for the assets hostname the
 * strictest mode that works is `full` (encrypted, certificate not checked against the name); every
 * other hostname keeps Full (strict). Rewriting the Host header instead would need Enterprise.
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

/** The phases the component owns, one zone entry-point ruleset each. */
export const EDGE_PHASES = {
  cache: "http_request_cache_settings",
  "rate-limit": "http_ratelimit",
  config: "http_config_settings",
  waf: "http_request_firewall_managed",
  "origin-lock": "http_request_late_transform",
  "response-headers": "http_response_headers_transform",
} as const;

/**
 * The zone's rules, one entry-point ruleset per phase: cache, rate limit, per-hostname TLS, the
 * managed WAF rulesets of the plan, the origin lock's request header and the assets' CORS header.
 * Every rule is valid on the given plan. A zone holds one entry-point ruleset per phase; one that
 * exists already is adopted with `pulumi import` (see the README).
 */
export class EdgeRules extends PlatformComponent {
  /** The managed WAF rulesets deployed, by name. */
  readonly managedRulesets: string[];

  constructor(name: string, args: EdgeRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge", "EdgeRules", name, opts);

    const rulesByRole: Record<keyof typeof EDGE_PHASES, RulesetRule[]> = {
      cache: cacheRules(args),
      "rate-limit": rateLimitRules(args),
      config: configurationRules(args),
      waf: managedWafRules(args.plan),
      "origin-lock": originLockRules(args),
      "response-headers": assetsCorsRules(args),
    };
    for (const [role, phase] of Object.entries(EDGE_PHASES)) {
      const label = rulesetLabel(role);
      new cloudflare.Ruleset(
        `${name}-${role}`,
        {
          zoneId: args.zoneId,
          kind: "zone",
          name: label,
          description: label,
          phase,
          rules: rulesByRole[role as keyof typeof EDGE_PHASES],
        },
        {
          parent: this,
          // A ruleset adopted with `pulumi import` keeps the name it had (often "default"), and
          // the provider replaces a ruleset whose name changes (terraform-provider-cloudflare,
          // internal/services/ruleset/schema.go: `name` has RequiresReplace). The replacement
          // would be created first, a second entry point of the phase, which Cloudflare refuses
          // (code 20217): the name stays as found. The description, updated in place, marks it
          // as the stack's own, which is how the preflight tells it apart.
          ignoreChanges: ["name"],
          ...(role === "origin-lock" ? { dependsOn: args.originLockAfter ?? [] } : {}),
        },
      );
    }

    this.managedRulesets = MANAGED_RULESETS.filter((ruleset) =>
      includes(args.plan, ruleset.from),
    ).map((ruleset) => ruleset.name);
    this.registerOutputs({ managedRulesets: this.managedRulesets });
  }
}
