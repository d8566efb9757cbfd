// An endpoint watched from outside: a DigitalOcean uptime check from the configured regions, and
// three alerts on it (down from every region, slow, certificate about to expire), all sent along
// the platform's one alert route.
import { digitalocean } from "../sdk/digitalocean.ts";
import * as pulumi from "@pulumi/pulumi";
import type { AlertRoutes } from "./alert-routes.ts";
import { PlatformComponent } from "../core/component.ts";

export interface UptimeMonitorArgs {
  /** Display name of the check, e.g. `platform-production app`. */
  checkName: string;
  /** The URL probed, e.g. `https://app.example.com/healthz`. */
  url: pulumi.Input<string>;
  /** Probe regions as the API spells them: `us_east`, `us_west`, `eu_west`, `se_asia`. */
  regions: string[];
  /** Response time above which the latency alert fires, in milliseconds. */
  latencyThresholdMs: number;
  route: AlertRoutes;
}

/** Days before expiry the certificate alert fires. */
export const CERTIFICATE_WARNING_DAYS = 14;

/**
 * The alerts of a check. The API's type values are snake_case ("Enum: 'latency' 'down'
 * 'down_global' 'ssl_expiry'", and comparisons 'greater_than' 'less_than', validated by
 * terraform-provider-digitalocean digitalocean/uptime/resource_uptime_alert.go), whatever the
 * SDK's doc comments (`downGlobal`, `sslExpiry`) say. Thresholds: milliseconds for latency, days
 * for ssl_expiry; down_global fires when every region sees the target down.
 *
 * down_global takes no threshold ("N/A (Not required)", digitalocean/openapi
 * specification/resources/uptime/create_alert.yml), but the provider always sends both fields,
 * unset ones as `"comparison": ""` and `"threshold": 0` (godo's CreateUptimeAlertRequest has no
 * omitempty; resource_uptime_alert.go:134-135), and `""` is outside the API's comparison enum
 * (models/alert.yml). So the down alert sends a valid pair, as public modules do
 * (terraform-do-modules/terraform-digitalocean-monitoring: down_global with less_than), and
 * ignores whatever the API stores back for it (`ignoredOnRead`), which it does not use.
 */
export function uptimeAlertSpecs(latencyThresholdMs: number) {
  return [
    {
      kind: "down",
      type: "down_global",
      threshold: 1,
      comparison: "less_than",
      period: "2m",
      ignoredOnRead: ["threshold", "comparison"],
    },
    {
      kind: "latency",
      type: "latency",
      threshold: latencyThresholdMs,
      comparison: "greater_than",
      period: "5m",
      ignoredOnRead: [],
    },
    {
      kind: "certificate",
      type: "ssl_expiry",
      threshold: CERTIFICATE_WARNING_DAYS,
      comparison: "less_than",
      period: "1h",
      ignoredOnRead: [],
    },
  ] as const;
}

export class UptimeMonitor extends PlatformComponent {
  readonly checkId: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly alerts: string[];

  constructor(name: string, args: UptimeMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability", "UptimeMonitor", name, opts);
    const check = new digitalocean.UptimeCheck(
      `${name}-check`,
      {
        name: args.checkName,
        target: args.url,
        type: "https",
        regions: args.regions,
        enabled: true,
      },
      { parent: this },
    );
    const notifications = [
      {
        emails: args.route.emails,
        slacks:
          args.route.slack === undefined
            ? []
            : [
                {
                  channel: args.route.slack.channel,
                  url: pulumi.secret(args.route.slack.webhookUrl),
                },
              ],
      },
    ];
    // `period` always: the provider sends it even when unset, as "" (resource_uptime_alert.go).
    const specs = uptimeAlertSpecs(args.latencyThresholdMs);
    for (const { kind, ignoredOnRead, ...spec } of specs) {
      new digitalocean.UptimeAlert(
        `${name}-${kind}`,
        { checkId: check.id, name: `${args.checkName} ${kind}`, notifications, ...spec },
        { parent: this, ignoreChanges: [...ignoredOnRead] },
      );
    }
    this.checkId = check.id;
    this.url = pulumi.output(args.url);
    this.alerts = specs.map((spec) => spec.type);
    this.registerOutputs({ checkId: this.checkId });
  }
}
