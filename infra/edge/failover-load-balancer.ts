import { cloudflare } from "../sdk/cloudflare.ts";
import * as pulumi from "@pulumi/pulumi";
import type { AlertRoutes } from "../observability/alert-routes.ts";
import { PlatformComponent } from "../core/component.ts";

export interface FailoverOrigin {
  /** Where the origin runs, e.g. `fra`; names its pool. */
  region: string;
  /** The origin's own hostname, e.g. `app-xyz.ondigitalocean.app`; also sent as Host. */
  host: pulumi.Input<string>;
}

export interface FailoverLoadBalancerArgs {
  accountId: string;
  zoneId: pulumi.Input<string>;
  /** The public hostname the load balancer answers, e.g. `app.example.com`. */
  hostname: string;
  /** Origins in failover order: the first serves while healthy, the next takes over. */
  origins: FailoverOrigin[];
  /** Path the health monitors request over HTTPS; 200 means healthy. */
  healthCheckPath: string;
  /**
   * A header every probe sends besides Host, such as the origin lock's secret, which the
   * zone's request-header rules do not add to health probes.
   */
  probeHeader?: { name: string; value: pulumi.Input<string> };
  /** Who hears when a pool turns unhealthy or healthy again: the platform's one alert route. */
  route: AlertRoutes;
  /**
   * Cloudflare regions that probe the origins.
   * @default ["WEU", "ENAM"]
   */
  checkRegions?: string[];
}

export interface LoadBalancerDescription {
  hostname: string;
  steering: "off";
  sessionAffinity: "none";
  /** In failover order. */
  pools: {
    name: string;
    region: string;
    origin: pulumi.Output<string>;
    monitor: { type: "https"; path: string; expectedCodes: "200" };
  }[];
  fallbackPool: string;
}

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function failoverLoadBalancerArgsProblems(args: FailoverLoadBalancerArgs): string[] {
  const problems: string[] = [];
  if (args.origins.length < 1) {
    problems.push("origins is empty; give at least the primary region's origin");
  }
  const regions = args.origins.map((origin) => origin.region);
  if (new Set(regions).size !== regions.length) {
    problems.push(`origins repeat a region (${regions.join(", ")}); give one origin per region`);
  }
  if (!args.healthCheckPath.startsWith("/")) {
    problems.push(`healthCheckPath "${args.healthCheckPath}" must start with /`);
  }
  return problems;
}

/**
 * A Cloudflare load balancer that fails over between regions: every request goes to the first
 * healthy pool in order (steering `off`), each pool is one region's app checked by its own HTTPS
 * monitor, and the last pool is the fallback. With one origin it still does what a plain DNS record
 * cannot on plans below Enterprise: it sends the origin's own hostname as Host, which is how
 * DigitalOcean wants an external CDN to reach App Platform. Load balancing is a paid add-on of the
 * Cloudflare account.
 */
export class FailoverLoadBalancer extends PlatformComponent {
  readonly description: LoadBalancerDescription;

  constructor(
    name: string,
    args: FailoverLoadBalancerArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("edge", "FailoverLoadBalancer", name, opts);

    const problems = failoverLoadBalancerArgsProblems(args);
    this.checkArgs(problems);
    const poolPrefix = args.hostname.replaceAll(".", "-");

    const pools = args.origins.map((origin) => {
      const host = pulumi.output(origin.host);
      const monitor = new cloudflare.LoadBalancerMonitor(
        `${name}-monitor-${origin.region}`,
        {
          accountId: args.accountId,
          description: `${args.hostname} in ${origin.region}: ${args.healthCheckPath}`,
          type: "https",
          method: "GET",
          path: args.healthCheckPath,
          expectedCodes: "200",
          // The origin routes by Host, so the probe must name it just as the pool does.
          header: {
            Host: [host],
            ...(args.probeHeader === undefined
              ? {}
              : { [args.probeHeader.name]: [args.probeHeader.value] }),
          },
          followRedirects: false,
          allowInsecure: false,
          interval: 60,
          timeout: 5,
          retries: 2,
          consecutiveDown: 2,
          consecutiveUp: 2,
        },
        { parent: this },
      );
      const pool = new cloudflare.LoadBalancerPool(
        `${name}-pool-${origin.region}`,
        {
          accountId: args.accountId,
          name: `${poolPrefix}-${origin.region}`,
          description: `${args.hostname} served from ${origin.region}`,
          origins: [
            {
              name: origin.region,
              address: host,
              enabled: true,
              weight: 1,
              header: { hosts: [host] },
            },
          ],
          monitor: monitor.id,
          checkRegions: args.checkRegions ?? ["WEU", "ENAM"],
          minimumOrigins: 1,
        },
        { parent: this },
      );
      return { origin, host, pool, poolName: `${poolPrefix}-${origin.region}` };
    });

    const poolIds = pools.map(({ pool }) => pool.id);
    const fallback = pools.at(-1);
    if (fallback === undefined) throw new Error(`FailoverLoadBalancer ${name}: no pool`);
    new cloudflare.LoadBalancer(
      `${name}-load-balancer`,
      {
        zoneId: args.zoneId,
        name: args.hostname,
        description: `Ordered failover for ${args.hostname}`,
        defaultPools: poolIds,
        fallbackPool: fallback.pool.id,
        steeringPolicy: "off",
        sessionAffinity: "none",
        proxied: true,
      },
      { parent: this },
    );

    // Pool health changes go through Cloudflare's notification service, to the same e-mails and
    // Slack webhook as every other alert (the pools' own `notification_email` is deprecated in
    // favour of it: Cloudflare API, Load Balancer Pools, notification_email).
    const webhook =
      args.route.slack === undefined
        ? undefined
        : new cloudflare.NotificationPolicyWebhooks(
            `${name}-slack`,
            {
              accountId: args.accountId,
              name: `${poolPrefix} ${args.route.slack.channel}`,
              // Given a Slack URL whole, Cloudflare moves its last segment into the secret and
              // stores another URL, which every refresh reports as drift; given the secret
              // apart, it keeps the URL as sent (Cloudflare docs, "Configure webhooks",
              // configuration of secrets).
              url: pulumi
                .secret(args.route.slack.webhookUrl)
                .apply((url) => url.slice(0, url.lastIndexOf("/"))),
              secret: pulumi
                .secret(args.route.slack.webhookUrl)
                .apply((url) => url.slice(url.lastIndexOf("/") + 1)),
            },
            { parent: this },
          );
    new cloudflare.NotificationPolicy(
      `${name}-health-alert`,
      {
        accountId: args.accountId,
        name: `${args.hostname} pool health`,
        description: `Pools of ${args.hostname} turning unhealthy or healthy`,
        alertType: "load_balancing_health_alert",
        enabled: true,
        // The events the description promises, spelt as Cloudflare's own migration guide for
        // this alert type sends them (cloudflare-docs load-balancing/reference/migration-guides/
        // health-monitor-notifications.mdx): left out, the API picks, and a refresh may read its
        // choice back as drift (terraform-provider-cloudflare notification_policy/resource.go
        // reads `filters` whole).
        filters: {
          poolIds,
          newHealths: ["Unhealthy", "Healthy"],
          eventSources: ["pool", "origin"],
        },
        mechanisms: {
          emails: args.route.emails.map((id) => ({ id })),
          ...(webhook === undefined ? {} : { webhooks: [{ id: webhook.id }] }),
        },
      },
      { parent: this },
    );

    this.description = {
      hostname: args.hostname,
      steering: "off",
      sessionAffinity: "none",
      pools: pools.map(({ origin, host, poolName }) => ({
        name: poolName,
        region: origin.region,
        origin: host,
        monitor: { type: "https", path: args.healthCheckPath, expectedCodes: "200" },
      })),
      fallbackPool: fallback.poolName,
    };
    this.registerOutputs({ description: this.description });
  }
}
