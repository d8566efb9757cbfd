// Edge: each Cloudflare zone verifies origin certificates, speaks TLS 1.2 or newer, redirects to
// HTTPS, sends HSTS in production, stamps the origin lock on app requests, runs a managed WAF
// ruleset and a rate limit, and proxies every record.
import type { PolicyResource } from "@pulumi/policy";
import type { PolicyContext } from "../context.ts";
import { ofType } from "../links.ts";
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, isRecord, known, numberOf, path, records, text, type Json } from "../values.ts";

/** The zones the stack configures: every zone one of its Cloudflare resources names. */
function zonesOf(resources: readonly PolicyResource[]): string[] {
  const zoned = [TYPES.zoneSetting, TYPES.ruleset, TYPES.dnsRecord, TYPES.loadBalancer];
  const ids = resources
    .filter((resource) => (zoned as readonly string[]).includes(resource.type))
    .map((resource) => known(() => text(field(resource.props, "zoneId"))))
    .filter((id) => id !== undefined);
  return [...new Set(ids)].sort();
}

function inZone(resource: PolicyResource, zone: string): boolean {
  return known(() => text(field(resource.props, "zoneId"))) === zone;
}

interface ZoneSettingRule {
  id: string;
  description: string;
  remediation: string;
  settingId: string;
  /** Why the setting's value is refused, or undefined. */
  problem: (value: unknown) => string | undefined;
  /** The rule holds in production only. */
  productionOnly?: string;
  /** A further stack check (e.g. per-hostname exceptions). */
  checkStack?: PlatformRule["checkStack"];
}

/** A zone setting's value (resource check) and its presence in every zone (stack check). */
function zoneSettingRule(rule: ZoneSettingRule): PlatformRule {
  const reasonToSkip = (context: PolicyContext) =>
    rule.productionOnly !== undefined && !context.production ? rule.productionOnly : undefined;
  return {
    id: rule.id,
    description: rule.description,
    remediation: rule.remediation,
    enforcementLevel: "mandatory",
    resourceTypes: [TYPES.zoneSetting],
    checkResource: (args, context, report) => {
      const skip = reasonToSkip(context);
      if (skip !== undefined) args.notApplicable(skip);
      if (field(args.props, "settingId") !== rule.settingId) {
        args.notApplicable(`reads the ${rule.settingId} setting only`);
      }
      const problem = rule.problem(field(args.props, "value"));
      if (problem !== undefined) report(`${rule.settingId} ${problem}`);
    },
    checkStack: (args, context, report) => {
      const skip = reasonToSkip(context);
      if (skip !== undefined) args.notApplicable(skip);
      for (const zone of zonesOf(args.resources)) {
        const settings = ofType(args.resources, TYPES.zoneSetting).filter(
          (setting) =>
            inZone(setting, zone) && field(setting.props, "settingId") === rule.settingId,
        );
        if (settings.length === 0) report(`zone ${zone} has no ${rule.settingId} setting`);
      }
      rule.checkStack?.(args, context, report);
    },
  };
}

const quoted = (value: unknown) => JSON.stringify(value);

/** The one hostname an expression matches, when it is exactly `(http.host eq "<host>")`. */
function singleHost(expression: string | undefined): string | undefined {
  return /^\(http\.host eq "([^"]+)"\)$/.exec(expression ?? "")?.[1];
}

/**
 * The documented exception to Full (strict): a hostname served by an S3 bucket named after it.
 * S3's certificate names `*.s3.<region>.amazonaws.com`, which cannot match a bucket name with
 * dots, so Cloudflare can encrypt to it (`full`) but not verify its name (infra/edge/edge-rules.ts,
 * configurationRules). Nothing weaker than `full`, and only for such a hostname.
 */
function isS3Hostname(resources: readonly PolicyResource[], host: string): boolean {
  return ofType(resources, TYPES.dnsRecord).some(
    (record) =>
      field(record.props, "name") === host &&
      /\.s3[.-][a-z0-9-]*\.?amazonaws\.com\.?$/.test(
        known(() => text(field(record.props, "content"))) ?? "",
      ),
  );
}

export const sslStrict = zoneSettingRule({
  id: "edge-ssl-strict",
  description:
    "Every zone verifies origin certificates (SSL Full (strict)); only a hostname served by an S3 bucket named after it may lower it to Full.",
  remediation:
    'Set the zone\'s ssl setting to "strict"; lower it per hostname only with an http_config_settings rule ssl "full" for an S3-backed hostname.',
  settingId: "ssl",
  problem: (value) => (value === "strict" ? undefined : `is ${quoted(value)}, not "strict"`),
  checkStack: (args, _context, report) => {
    const configRulesets = ofType(args.resources, TYPES.ruleset).filter(
      (ruleset) => field(ruleset.props, "phase") === "http_config_settings",
    );
    for (const ruleset of configRulesets) {
      for (const rule of records(field(ruleset.props, "rules"))) {
        const ssl = path(rule, ["actionParameters", "ssl"]);
        if (ssl === undefined || ssl === "strict") continue;
        const host = singleHost(text(rule.expression));
        const excepted = ssl === "full" && host !== undefined && isS3Hostname(args.resources, host);
        if (!excepted) {
          report(
            `${ruleset.name} sets ssl ${quoted(ssl)} for ${text(rule.expression) ?? "?"}: only "full" for one S3-backed hostname is allowed`,
            ruleset.urn,
          );
        }
      }
    }
  },
});

export const minTls = zoneSettingRule({
  id: "edge-min-tls",
  description: "Every zone refuses TLS older than 1.2.",
  remediation: 'Set the zone\'s min_tls_version setting to "1.2" (or "1.3").',
  settingId: "min_tls_version",
  problem: (value) =>
    value === "1.2" || value === "1.3" ? undefined : `is ${quoted(value)}, not "1.2" or "1.3"`,
});

export const alwaysHttps = zoneSettingRule({
  id: "edge-always-https",
  description: "Every zone redirects plain HTTP to HTTPS.",
  remediation: 'Set the zone\'s always_use_https setting to "on".',
  settingId: "always_use_https",
  problem: (value) => (value === "on" ? undefined : `is ${quoted(value)}, not "on"`),
});

/** One year: the least max-age browsers' HSTS preload lists accept. */
export const HSTS_MIN_MAX_AGE = 31_536_000;

export const hstsProduction = zoneSettingRule({
  id: "edge-hsts-production",
  description: `In production every zone sends HSTS with a max-age of at least one year (${String(HSTS_MIN_MAX_AGE)} s).`,
  remediation:
    "Set platform:edge.hsts.maxAgeSeconds to 31536000 or more in Pulumi.production.yaml (the security_header setting).",
  settingId: "security_header",
  productionOnly: "production only: staging keeps a short HSTS max-age to stay reversible",
  problem: (value) => {
    const hsts = field(value, "strict_transport_security");
    if (field(hsts, "enabled") !== true) return "does not enable strict_transport_security";
    const maxAge = numberOf(field(hsts, "max_age")) ?? 0;
    return maxAge >= HSTS_MIN_MAX_AGE
      ? undefined
      : `has an HSTS max_age of ${String(maxAge)} s, less than ${String(HSTS_MIN_MAX_AGE)}`;
  },
});

function rulesetsIn(
  resources: readonly PolicyResource[],
  phase: string,
  zone?: string,
): PolicyResource[] {
  return ofType(resources, TYPES.ruleset).filter(
    (ruleset) =>
      field(ruleset.props, "phase") === phase && (zone === undefined || inZone(ruleset, zone)),
  );
}

const enabledRules = (ruleset: PolicyResource): Json[] =>
  records(field(ruleset.props, "rules")).filter((rule) => rule.enabled !== false);

/** A rewrite rule that sets a request header to a value (the origin lock's secret). */
function setsHeader(rule: Json): boolean {
  const headers = path(rule, ["actionParameters", "headers"]);
  return (
    rule.action === "rewrite" &&
    isRecord(headers) &&
    Object.values(headers).some(
      // The value is secret and, on a first deployment, unknown: that it is there is enough.
      (header) => field(header, "operation") === "set" && isRecord(header) && "value" in header,
    )
  );
}

export const originLockHeader: PlatformRule = {
  id: "edge-origin-lock-header",
  description:
    "Requests for every load-balanced hostname get the origin-lock header from a request transform rule (phase http_request_late_transform).",
  remediation:
    'Keep EdgeRules\' origin-lock ruleset: a rewrite rule that sets the OriginLock header on (http.host eq "<app host>").',
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    const balancers = ofType(args.resources, TYPES.loadBalancer);
    if (balancers.length === 0 && ofType(args.resources, TYPES.app).length === 0) {
      args.notApplicable("the stack runs no app behind the edge");
    }
    const rules = rulesetsIn(args.resources, "http_request_late_transform")
      .flatMap(enabledRules)
      .filter(setsHeader);
    if (rules.length === 0) {
      report("no http_request_late_transform rule sets the origin-lock header");
      return;
    }
    for (const balancer of balancers) {
      const host = text(field(balancer.props, "name")) ?? balancer.name;
      if (
        !rules.some((rule) =>
          (text(rule.expression) ?? "").includes(`http.host eq ${quoted(host)}`),
        )
      ) {
        report(`no origin-lock header rule matches ${host}`, balancer.urn);
      }
    }
  },
};

/**
 * Cloudflare's managed WAF rulesets (developers.cloudflare.com/waf/managed-rules/): the Free
 * Managed Ruleset, the Cloudflare Managed Ruleset and the OWASP Core Ruleset.
 */
export const MANAGED_WAF_RULESET_IDS: readonly string[] = [
  "77454fe2d30c4220b5701f6fdfb893ba",
  "efb7b8c949ac4650a09736fc376e9aee",
  "4814384a9e5d4991b9815dcfc25d2f1f",
];

export const managedWaf: PlatformRule = {
  id: "edge-managed-waf",
  description:
    "Every zone deploys a Cloudflare managed WAF ruleset (phase http_request_firewall_managed).",
  remediation:
    "Keep EdgeRules' waf ruleset: an execute rule per managed ruleset the zone's plan includes.",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    for (const zone of zonesOf(args.resources)) {
      const deployed = rulesetsIn(args.resources, "http_request_firewall_managed", zone)
        .flatMap(enabledRules)
        .some(
          (rule) =>
            rule.action === "execute" &&
            MANAGED_WAF_RULESET_IDS.includes(text(path(rule, ["actionParameters", "id"])) ?? ""),
        );
      if (!deployed) report(`zone ${zone} deploys no managed WAF ruleset`);
    }
  },
};

const LIMITING_ACTIONS = ["block", "challenge", "managed_challenge", "js_challenge"];

export const rateLimit: PlatformRule = {
  id: "edge-rate-limit",
  description:
    "Every zone has a rate-limiting rule that blocks or challenges (phase http_ratelimit).",
  remediation: "Keep EdgeRules' rate-limit ruleset (platform:edge.rateLimit sets its limit).",
  enforcementLevel: "mandatory",
  checkStack: (args, _context, report) => {
    for (const zone of zonesOf(args.resources)) {
      const limited = rulesetsIn(args.resources, "http_ratelimit", zone)
        .flatMap(enabledRules)
        .some(
          (rule) =>
            LIMITING_ACTIONS.includes(text(rule.action) ?? "") &&
            (numberOf(path(rule, ["ratelimit", "requestsPerPeriod"])) ?? 0) >= 1,
        );
      if (!limited) report(`zone ${zone} has no rate-limiting rule that blocks or challenges`);
    }
  },
};

const PROXIABLE = ["A", "AAAA", "CNAME"];

export const recordsProxied: PlatformRule = {
  id: "edge-records-proxied",
  description:
    "Every A, AAAA and CNAME record and every load balancer is proxied, so TLS, WAF and rate limits apply.",
  remediation: "Set proxied: true (ProxiedRecords, FailoverLoadBalancer).",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.dnsRecord, TYPES.loadBalancer],
  checkResource: (args, _context, report) => {
    const type = text(field(args.props, "type"));
    if (args.type === TYPES.dnsRecord && !PROXIABLE.includes(type ?? "")) {
      args.notApplicable(`${type ?? "this"} records cannot be proxied`);
    }
    if (field(args.props, "proxied") !== true) {
      report(
        `${text(field(args.props, "name")) ?? args.name} is not proxied: requests reach the origin directly`,
      );
    }
  },
};

export const EDGE_RULES: readonly PlatformRule[] = [
  sslStrict,
  minTls,
  alwaysHttps,
  hstsProduction,
  originLockHeader,
  managedWaf,
  rateLimit,
  recordsProxied,
];
