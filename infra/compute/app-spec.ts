// The App Platform spec of one region's app, built by plain functions so that every rule of it
// (routes, scaling, health checks, alerts, secrets) can be checked without running Pulumi.
import type * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";

type AppSpec = digitalocean.types.input.AppSpec;
type ServiceSpec = digitalocean.types.input.AppSpecService;
type ServiceAlert = digitalocean.types.input.AppSpecServiceAlert;
type LogDestination = digitalocean.types.input.AppSpecServiceLogDestination;

export type ServiceScaling =
  { instances: number } | { minInstances: number; maxInstances: number; cpuPercent: number };

export interface ServiceEnv {
  key: string;
  value: pulumi.Input<string>;
  /** Credentials are SECRET env vars: encrypted by App Platform, hidden in its console. */
  secret: boolean;
}

export interface AppServiceArgs {
  /** Component name inside the app, e.g. `api`. */
  name: string;
  /** Repository in the account's DigitalOcean registry. */
  repository: string;
  /** `sha256:…` of the image to run. */
  digest: pulumi.Input<string>;
  httpPort: number;
  /** Path prefix the service answers, e.g. `/api`; App Platform strips it before forwarding. */
  routePrefix: string;
  /** Path of the health check, as the service itself sees it. */
  healthCheckPath: string;
  /** Instance size slug, e.g. `apps-d-1vcpu-2gb`. */
  size: string;
  scaling: ServiceScaling;
  env: ServiceEnv[];
}

export interface AlertRoutes {
  emails: string[];
  /** Slack incoming webhook (secret) and the channel it posts to. */
  slack?: { webhookUrl: pulumi.Input<string>; channel: string };
}

export interface LogDrains {
  logtailToken?: pulumi.Input<string>;
  papertrailEndpoint?: pulumi.Input<string>;
  datadogApiKey?: pulumi.Input<string>;
}

export interface AlertThresholds {
  cpuPercent: number;
  memoryPercent: number;
  restartsPerFiveMinutes: number;
}

export interface AppSpecArgs {
  appName: string;
  /** Custom hostnames the app answers besides its own `*.ondigitalocean.app` one. */
  domains: string[];
  /** App Platform region, e.g. `fra`. */
  region: string;
  services: AppServiceArgs[];
  alerts: AlertRoutes;
  logDrains: LogDrains;
  thresholds: AlertThresholds;
}

function scalingSpec(scaling: ServiceScaling): Pick<ServiceSpec, "instanceCount" | "autoscaling"> {
  // App Platform refuses a spec that sets instanceCount beside autoscaling.
  return "instances" in scaling
    ? { instanceCount: scaling.instances }
    : {
        autoscaling: {
          minInstanceCount: scaling.minInstances,
          maxInstanceCount: scaling.maxInstances,
          metrics: { cpu: { percent: scaling.cpuPercent } },
        },
      };
}

function alertDestinations(routes: AlertRoutes) {
  return {
    emails: routes.emails,
    slackWebhooks:
      routes.slack === undefined
        ? []
        : [{ url: pulumi.secret(routes.slack.webhookUrl), channel: routes.slack.channel }],
  };
}

export function serviceAlerts(thresholds: AlertThresholds, routes: AlertRoutes): ServiceAlert[] {
  const destinations = alertDestinations(routes);
  return [
    { rule: "CPU_UTILIZATION", value: thresholds.cpuPercent },
    { rule: "MEM_UTILIZATION", value: thresholds.memoryPercent },
    { rule: "RESTART_COUNT", value: thresholds.restartsPerFiveMinutes },
  ].map(({ rule, value }) => ({
    rule,
    operator: "GREATER_THAN",
    value,
    window: "FIVE_MINUTES",
    destinations,
  }));
}

/** One log destination per drain that is configured; every token stays a secret. */
export function logDestinations(drains: LogDrains): LogDestination[] {
  const destinations: LogDestination[] = [];
  if (drains.logtailToken !== undefined) {
    destinations.push({ name: "logtail", logtail: { token: pulumi.secret(drains.logtailToken) } });
  }
  if (drains.papertrailEndpoint !== undefined) {
    destinations.push({
      name: "papertrail",
      papertrail: { endpoint: pulumi.secret(drains.papertrailEndpoint) },
    });
  }
  if (drains.datadogApiKey !== undefined) {
    destinations.push({
      name: "datadog",
      datadog: { apiKey: pulumi.secret(drains.datadogApiKey) },
    });
  }
  return destinations;
}

export interface EnvSpec {
  key: string;
  scope: "RUN_TIME";
  type: "SECRET" | "GENERAL";
  value: pulumi.Input<string>;
}

/** Env vars as App Platform takes them; a credential is SECRET and stays a Pulumi secret. */
export function envSpecs(env: readonly ServiceEnv[]): EnvSpec[] {
  return env.map(({ key, value, secret }) => ({
    key,
    scope: "RUN_TIME",
    type: secret ? "SECRET" : "GENERAL",
    value: secret ? pulumi.secret(value) : value,
  }));
}

function serviceSpec(service: AppServiceArgs, args: AppSpecArgs): ServiceSpec {
  return {
    name: service.name,
    image: {
      registryType: "DOCR",
      repository: service.repository,
      digest: service.digest,
      // The stack decides what runs: a push to the registry must not redeploy by itself.
      deployOnPushes: [{ enabled: false }],
    },
    httpPort: service.httpPort,
    instanceSizeSlug: service.size,
    ...scalingSpec(service.scaling),
    healthCheck: {
      httpPath: service.healthCheckPath,
      port: service.httpPort,
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 3,
      successThreshold: 1,
      failureThreshold: 3,
    },
    // Time for in-flight requests to finish after SIGTERM, before the instance is killed.
    termination: { drainSeconds: 15, gracePeriodSeconds: 30 },
    envs: envSpecs(service.env),
    alerts: serviceAlerts(args.thresholds, args.alerts),
    logDestinations: logDestinations(args.logDrains),
  };
}

/** Longest prefix first, so that `/api` is matched before `/`. */
function ingressRules(services: readonly AppServiceArgs[]) {
  return [...services]
    .sort((a, b) => b.routePrefix.length - a.routePrefix.length)
    .map((service) => ({
      component: { name: service.name },
      match: { path: { prefix: service.routePrefix } },
    }));
}

export function appSpec(args: AppSpecArgs): AppSpec {
  const destinations = alertDestinations(args.alerts);
  return {
    name: args.appName,
    region: args.region,
    domainNames: args.domains.map((domain, index) => ({
      name: domain,
      type: index === 0 ? "PRIMARY" : "ALIAS",
      wildcard: false,
    })),
    services: args.services.map((service) => serviceSpec(service, args)),
    ingress: { rules: ingressRules(args.services) },
    alerts: [
      { rule: "DEPLOYMENT_FAILED", destinations },
      { rule: "DOMAIN_FAILED", destinations },
    ],
  };
}
