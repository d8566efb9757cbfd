import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import {
  appSpec,
  type AlertRoutes,
  type AlertThresholds,
  type AppServiceArgs,
  type LogDrains,
} from "./app-spec.ts";

export interface PlatformAppArgs {
  /** Name of the app in DigitalOcean, e.g. `platform-production-fra`. */
  appName: string;
  /** App Platform region, e.g. `fra`. */
  region: string;
  /**
   * Hostnames the app answers itself, when a DNS record points straight at it. Behind a load
   * balancer that sends the app's own hostname as Host, none are needed.
   * @default []
   */
  domains?: string[];
  /** The services the app runs, each from the registry by digest. */
  services: AppServiceArgs[];
  /** Who hears about failed deployments, failed domains and unhealthy services. */
  alerts: AlertRoutes;
  /**
   * Log destinations; each configured drain receives every service's logs.
   * @default {}
   */
  logDrains?: LogDrains;
  /**
   * When a service alert fires.
   * @default { cpuPercent: 80, memoryPercent: 80, restartsPerFiveMinutes: 3 }
   */
  thresholds?: AlertThresholds;
  /**
   * DigitalOcean project the app is filed under.
   * @default the account's default project
   */
  projectId?: pulumi.Input<string>;
}

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  cpuPercent: 80,
  memoryPercent: 80,
  restartsPerFiveMinutes: 3,
};

/** Problems with the arguments, each naming the argument and the fix; empty when they are fine. */
export function platformAppArgsProblems(args: PlatformAppArgs): string[] {
  const problems: string[] = [];
  if (args.services.length === 0) problems.push("services is empty; an app runs at least one");
  const names = args.services.map((service) => service.name);
  const prefixes = args.services.map((service) => service.routePrefix);
  if (new Set(names).size !== names.length)
    problems.push(`service names repeat: ${names.join(", ")}`);
  if (new Set(prefixes).size !== prefixes.length) {
    problems.push(`route prefixes repeat: ${prefixes.join(", ")}; give each service its own`);
  }
  for (const service of args.services) {
    if ("minInstances" in service.scaling && !service.size.startsWith("apps-d-")) {
      problems.push(
        `service ${service.name} autoscales on ${service.size}; App Platform autoscales dedicated sizes only (apps-d-*)`,
      );
    }
  }
  if (args.alerts.emails.length === 0 && args.alerts.slack === undefined) {
    problems.push("alerts has no destination; give at least one e-mail address");
  }
  return problems;
}

/** One region's App Platform app running the platform's services. */
export class PlatformApp extends pulumi.ComponentResource {
  readonly appId: pulumi.Output<string>;
  readonly region: string;
  /** `https://<app>.ondigitalocean.app`: the app's own address, behind Cloudflare. */
  readonly defaultIngress: pulumi.Output<string>;
  /** The host of `defaultIngress`, for DNS records and load balancer origins. */
  readonly ingressHost: pulumi.Output<string>;

  constructor(name: string, args: PlatformAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:compute:PlatformApp", name, {}, opts);

    const problems = platformAppArgsProblems(args);
    if (problems.length > 0) throw new Error(`PlatformApp ${name}: ${problems.join("; ")}`);

    const app = new digitalocean.App(
      `${name}-app`,
      {
        projectId: args.projectId,
        spec: appSpec({
          appName: args.appName,
          domains: args.domains ?? [],
          region: args.region,
          services: args.services,
          alerts: args.alerts,
          logDrains: args.logDrains ?? {},
          thresholds: args.thresholds ?? DEFAULT_THRESHOLDS,
        }),
      },
      { parent: this },
    );

    this.appId = app.id;
    this.region = args.region;
    this.defaultIngress = app.defaultIngress;
    this.ingressHost = app.defaultIngress.apply((url) => new URL(url).host);
    this.registerOutputs({
      appId: this.appId,
      defaultIngress: this.defaultIngress,
      ingressHost: this.ingressHost,
    });
  }
}
