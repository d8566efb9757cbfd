// The App Platform spec of one region's app, built by plain functions so that every rule of it
// (routes, scaling, health checks, alerts, secrets) can be checked without running Pulumi.
import { createHash } from "node:crypto";
import type * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import type { AlertRoutes } from "../observability/alert-routes.ts";

type AppSpec = digitalocean.types.input.AppSpec;
type ServiceSpec = digitalocean.types.input.AppSpecService;
type JobSpec = digitalocean.types.input.AppSpecJob;
type WorkerSpec = digitalocean.types.input.AppSpecWorker;
type ServiceAlert = digitalocean.types.input.AppSpecServiceAlert;
type LogDestination = digitalocean.types.input.AppSpecServiceLogDestination;

export type ServiceScaling =
  { instances: number } | { minInstances: number; maxInstances: number; cpuPercent: number };

/**
 * One env var of a component. Credentials are SECRET env vars (encrypted by App Platform, hidden in
 * its console), and each carries a fingerprint of what decides its value, never of the value: the
 * app's `SECRETS_DIGEST` is computed from these (`secretsDigestOf`), so a changed secret rolls out
 * and a new one cannot be left out.
 */
export type ServiceEnv =
  | { key: string; value: pulumi.Input<string>; secret: false }
  | { key: string; value: pulumi.Input<string>; secret: true; fingerprint: string };

export interface AppServiceArgs {
  /** Component name inside the app, e.g. `items`. */
  name: string;
  /** Repository in the account's DigitalOcean registry. */
  repository: string;
  /** `sha256:…` of the image to run. */
  digest: pulumi.Input<string>;
  /** The port the service listens on. */
  httpPort: number;
  /**
   * Public path prefix, e.g. `/`; App Platform strips it before forwarding. Undefined keeps the
   * service internal: no route, reachable only by the app's other components at
   * `http://<name>:<httpPort>`.
   */
  routePrefix: string | undefined;
  /** Path of the health check, as the service itself sees it. */
  healthCheckPath: string;
  /** Instance size slug, e.g. `apps-d-1vcpu-2gb`. */
  size: string;
  scaling: ServiceScaling;
  env: ServiceEnv[];
}

/** A background process: no route and no port of its own, but an optional liveness port; App spec `workers`. */
export interface AppWorkerArgs {
  /** Component name inside the app. */
  name: string;
  /** Repository in the account's DigitalOcean registry. */
  repository: string;
  /** `sha256:…` of the image to run. */
  digest: pulumi.Input<string>;
  /** Instance size slug, e.g. `apps-s-1vcpu-1gb`. */
  size: string;
  scaling: ServiceScaling;
  env: ServiceEnv[];
  /** Where App Platform's liveness check asks whether the worker still makes progress. */
  liveness?: { port: number; path: string };
}

/** When App Platform runs a job; see `AppJobArgs.kind`. */
export type JobKind = "PRE_DEPLOY" | "POST_DEPLOY" | "FAILED_DEPLOY";

export interface AppJobArgs {
  /** Component name inside the app, e.g. `migrate`. */
  name: string;
  /**
   * `PRE_DEPLOY` runs once per deployment, after the new images are built and before any traffic
   * moves to them; a non-zero exit fails the deployment and the running version keeps serving.
   */
  kind: JobKind;
  /** Repository in the account's DigitalOcean registry. */
  repository: string;
  /** `sha256:…` of the image to run. */
  digest: pulumi.Input<string>;
  /** Command that replaces the image's CMD, e.g. `node src/migrate-cli.ts`. */
  runCommand: string;
  /** Instance size slug, e.g. `apps-s-1vcpu-1gb`. */
  size: string;
  /** Env vars of this job alone: no service sees them. */
  env: ServiceEnv[];
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
  /** VPC the app joins, in the datacenter of its region; undefined keeps it off any VPC. */
  vpcId: pulumi.Input<string> | undefined;
  services: AppServiceArgs[];
  workers: AppWorkerArgs[];
  jobs: AppJobArgs[];
  alerts: AlertRoutes;
  logDrains: LogDrains;
  thresholds: AlertThresholds;
  /** Digest of the write-only settings, carried in the `SECRETS_DIGEST` env var. */
  secretsDigest: string;
}

/**
 * Every service's health check timing: an instance failing for 30 s is taken out of rotation. A
 * new instance is first checked 10 s after it starts (`pnpm drill` holds a restarted service to it).
 */
export const HEALTH_CHECK = {
  initialDelaySeconds: 10,
  periodSeconds: 10,
  timeoutSeconds: 3,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** An HTTP check of `path` on `port` with HEALTH_CHECK's timing: a service's, or a worker's liveness. */
function httpCheck(httpPath: string, port: number) {
  return { httpPath, port, ...HEALTH_CHECK };
}

function scalingSpec(
  scaling: ServiceScaling,
): Pick<ServiceSpec & WorkerSpec, "instanceCount" | "autoscaling"> {
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

/** The app's own alerts, in spec order. */
const APP_ALERT_RULES = ["DEPLOYMENT_FAILED", "DOMAIN_FAILED"] as const;
/** Each service's alerts, in spec order. */
const SERVICE_ALERT_RULES = ["CPU_UTILIZATION", "MEM_UTILIZATION", "RESTART_COUNT"] as const;

/** The value above which each service alert fires. */
function serviceAlertValues(
  thresholds: AlertThresholds,
): Record<(typeof SERVICE_ALERT_RULES)[number], number> {
  return {
    CPU_UTILIZATION: thresholds.cpuPercent,
    MEM_UTILIZATION: thresholds.memoryPercent,
    RESTART_COUNT: thresholds.restartsPerFiveMinutes,
  };
}

export function serviceAlerts(thresholds: AlertThresholds, routes: AlertRoutes): ServiceAlert[] {
  const destinations = alertDestinations(routes);
  const values = serviceAlertValues(thresholds);
  return SERVICE_ALERT_RULES.map((rule) => ({
    rule,
    operator: "GREATER_THAN",
    value: values[rule],
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
      // By digest: what runs is exactly what the stack built, and a push cannot redeploy it
      // (the API allows deploy_on_push with a tag only).
      digest: service.digest,
    },
    // An internal service has neither an HTTP port nor a route, only internal ports ("A truly
    // internal service will have neither a HTTP route nor HTTP port", DigitalOcean's App Platform
    // docs; the provider's acceptance test sets http_port = 0 with internal_ports). Without an
    // explicit 0, the provider's default 8080 would stay.
    ...(service.routePrefix === undefined
      ? { httpPort: 0, internalPorts: [service.httpPort] }
      : { httpPort: service.httpPort }),
    instanceSizeSlug: service.size,
    ...scalingSpec(service.scaling),
    healthCheck: httpCheck(service.healthCheckPath, service.httpPort),
    // Time for in-flight requests to finish after SIGTERM, before the instance is killed.
    termination: { drainSeconds: 15, gracePeriodSeconds: 30 },
    envs: envSpecs(service.env),
    alerts: serviceAlerts(args.thresholds, args.alerts),
    logDestinations: logDestinations(args.logDrains),
  };
}

/**
 * A worker of the app (provider schema `spec.worker`, terraform-provider-digitalocean
 * digitalocean/app/app_spec.go `appSpecWorkerSchema`: image, instance size and count or
 * autoscaling, env, alerts, log destinations, `termination.grace_period_seconds` from 1 to 600, and
 * no `drain_seconds`, which only services take: a worker receives no traffic to drain). App
 * Platform restarts a worker whose process exits; one that hangs without exiting is caught by the
 * worker's `liveness_health_check` (the worker's schema in app_spec.go, expanded for workers by
 * expandAppLivenessHealthCheck, set in the provider's acceptance test resource_app_test.go as
 * `worker { liveness_health_check { http_path, failure_threshold, port } }`). Every field is set,
 * with the services' own timing: godo's HealthCheckSpec omits a zero field (`omitempty`), and the
 * API then fills its own liveness defaults (failure threshold 18, initial delay 5 s, timeout 1 s,
 * apps.gen.go), which a refresh would read back as drift.
 */
function workerSpec(worker: AppWorkerArgs, args: AppSpecArgs): WorkerSpec {
  return {
    name: worker.name,
    image: { registryType: "DOCR", repository: worker.repository, digest: worker.digest },
    instanceSizeSlug: worker.size,
    ...scalingSpec(worker.scaling),
    // SIGTERM asks the worker to finish the job in hand and stop claiming; a job longer than this
    // is killed and claimed again once its lease expires.
    termination: { gracePeriodSeconds: WORKER_GRACE_PERIOD_SECONDS },
    ...(worker.liveness === undefined
      ? {}
      : {
          livenessHealthCheck: httpCheck(worker.liveness.path, worker.liveness.port),
        }),
    envs: envSpecs(worker.env),
    alerts: serviceAlerts(args.thresholds, args.alerts),
    logDestinations: logDestinations(args.logDrains),
  };
}

/** How long a worker has between SIGTERM and SIGKILL. */
export const WORKER_GRACE_PERIOD_SECONDS = 60;

/**
 * A job of the app (provider schema `spec.job`: name, kind, image, run_command, instance size and
 * count, env, log destinations; terraform-provider-digitalocean digitalocean/app/app_spec.go).
 * Its env vars reach this job alone. That a failing PRE_DEPLOY job stops the deployment before
 * traffic moves is DigitalOcean's description of job kinds ("Job Kinds" in the App Platform docs);
 * confirm it once on a first deployment with a deliberately failing migration.
 */
function jobSpec(job: AppJobArgs, args: AppSpecArgs): JobSpec {
  return {
    name: job.name,
    kind: job.kind,
    image: {
      registryType: "DOCR",
      repository: job.repository,
      digest: job.digest,
    },
    runCommand: job.runCommand,
    instanceSizeSlug: job.size,
    instanceCount: 1,
    envs: envSpecs(job.env),
    logDestinations: logDestinations(args.logDrains),
  };
}

/**
 * Routes of the public services, longest prefix first, so that `/docs` would match before `/`.
 * Always explicit: without rules App Platform routes `/` to a service on its own.
 */
function ingressRules(services: readonly AppServiceArgs[]) {
  return services
    .flatMap((service) =>
      service.routePrefix === undefined
        ? []
        : [{ name: service.name, prefix: service.routePrefix }],
    )
    .sort((a, b) => b.prefix.length - a.prefix.length)
    .map(({ name, prefix }) => ({ component: { name }, match: { path: { prefix } } }));
}

/** The env var that carries `AppSpecArgs.secretsDigest`, so that a changed digest rolls the app. */
export const SECRETS_DIGEST_ENV = "SECRETS_DIGEST";

/** What a write-only path holds: a SECRET env value, or an alert's destinations. */
export type WriteOnlyKind = "secret-value" | "alert-destinations";

/**
 * Paths (in Pulumi's property-path syntax, exact indices) of the spec's write-only settings:
 * values App Platform never returns as they were sent, so that a refreshed state always differs
 * from the program and every `pulumi up` would redeploy the app.
 * - SECRET env values come back encrypted as `EV[1:…]` (terraform-provider-digitalocean
 *   `flattenAppEnvs` copies them verbatim; issues #1603, #869, #514).
 * - Alert destinations are assigned by a separate call after each deployment and never read back
 *   (`syncAppAlertDestinations`, `flattenAppAlerts` sets only rule/operator/value/window; #1606).
 * Exact indices, not `[*]`: the bridge matches ignored paths literally (pulumi-terraform-bridge
 * `computeIgnoreChanges`), and `[*]` would also freeze the GENERAL env values.
 */
export function writeOnlyPaths(
  args: Pick<AppSpecArgs, "services" | "workers" | "jobs">,
  kind?: WriteOnlyKind,
): string[] {
  return writeOnlyLayout(args)
    .filter((entry) => kind === undefined || entry.kind === kind)
    .map(({ path }) => path);
}

/** Each write-only path with what sits there (an env key, an alert rule). */
export function writeOnlyLayout(
  args: Pick<AppSpecArgs, "services" | "workers" | "jobs">,
): { path: string; holds: string; kind: WriteOnlyKind; fingerprint?: string }[] {
  const secretValues = (prefix: string, component: string, env: readonly ServiceEnv[]) =>
    env.flatMap((variable, index) =>
      variable.secret
        ? [
            {
              path: `${prefix}.envs[${index}].value`,
              holds: `${component}.${variable.key}`,
              kind: "secret-value" as const,
              fingerprint: variable.fingerprint,
            },
          ]
        : [],
    );
  const componentAlerts = (prefix: string, component: string) =>
    SERVICE_ALERT_RULES.map((rule, alert) => ({
      path: `${prefix}.alerts[${alert}].destinations`,
      holds: `${component} alert ${rule}`,
      kind: "alert-destinations" as const,
    }));
  return [
    ...APP_ALERT_RULES.map((rule, index) => ({
      path: `spec.alerts[${index}].destinations`,
      holds: `alert ${rule}`,
      kind: "alert-destinations" as const,
    })),
    ...args.services.flatMap((service, index) => [
      ...componentAlerts(`spec.services[${index}]`, service.name),
      ...secretValues(`spec.services[${index}]`, service.name, service.env),
    ]),
    ...args.workers.flatMap((worker, index) => [
      ...componentAlerts(`spec.workers[${index}]`, worker.name),
      ...secretValues(`spec.workers[${index}]`, worker.name, worker.env),
    ]),
    ...args.jobs.flatMap((job, index) => secretValues(`spec.jobs[${index}]`, job.name, job.env)),
  ];
}

/**
 * The digest an app carries in `SECRETS_DIGEST`: of the values behind its write-only settings and of
 * their layout. Every SECRET env var brings its own fingerprint (`ServiceEnv`), so the digest
 * covers each one there is, read from the spec itself; `derivedFrom` (a non-secret description from
 * the stack) covers what is not an env var: the alert destinations and the log drains. The engine
 * restores ignored values by position, so a var inserted before a secret must change the digest,
 * or an old value would land under another key.
 */
export function secretsDigestOf(
  derivedFrom: unknown,
  args: Pick<AppSpecArgs, "services" | "workers" | "jobs">,
): string {
  const layout = writeOnlyLayout(args).map(({ path, holds, fingerprint }) =>
    fingerprint === undefined ? { path, holds } : { path, holds, fingerprint },
  );
  return sha256Of(JSON.stringify({ derivedFrom, layout }));
}

const sha256Of = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

/** What stands for a write-only or secret value in `deploymentFingerprint`. */
const MASKED = "[write-only]";

const maskSet = (value: pulumi.Input<string> | undefined) =>
  value === undefined ? undefined : MASKED;

/**
 * A digest of everything in the app's spec but its write-only and secret values: the images by
 * digest, sizes, scaling, routes, GENERAL env values, alert rules, and `SECRETS_DIGEST` (which
 * covers the write-only values themselves). When it differs from the deployed app's, this run
 * updates the app, and the update must carry the alert destinations (see `PlatformApp`).
 * Every secret the spec holds is masked before hashing, so the digest is not secret.
 */
export function deploymentFingerprint(args: AppSpecArgs): pulumi.Output<string> {
  const maskEnv = (env: readonly ServiceEnv[]): ServiceEnv[] =>
    env.map((variable) => (variable.secret ? { ...variable, value: MASKED } : variable));
  const masked: AppSpecArgs = {
    ...args,
    services: args.services.map((service) => ({ ...service, env: maskEnv(service.env) })),
    workers: args.workers.map((worker) => ({ ...worker, env: maskEnv(worker.env) })),
    jobs: args.jobs.map((job) => ({ ...job, env: maskEnv(job.env) })),
    alerts: {
      emails: args.alerts.emails,
      ...(args.alerts.slack === undefined
        ? {}
        : { slack: { webhookUrl: MASKED, channel: args.alerts.slack.channel } }),
    },
    logDrains: {
      logtailToken: maskSet(args.logDrains.logtailToken),
      papertrailEndpoint: maskSet(args.logDrains.papertrailEndpoint),
      datadogApiKey: maskSet(args.logDrains.datadogApiKey),
    },
  };
  // Only placeholders were secret (envSpecs and logDestinations wrap them), so the digest is not.
  return pulumi.unsecret(pulumi.jsonStringify(appSpec(masked)).apply(sha256Of));
}

/** An HTTP check as an auditor reads it: where it asks, how often, after how many failures. */
export interface CheckTopology {
  path: string;
  port: number;
  periodSeconds: number;
  failureThreshold: number;
}

const checkTopology = (path: string, port: number): CheckTopology => ({
  path,
  port,
  periodSeconds: HEALTH_CHECK.periodSeconds,
  failureThreshold: HEALTH_CHECK.failureThreshold,
});

/** One service as an auditor reads it: where it answers, how big, how many, how it is checked. */
export interface ServiceTopology {
  name: string;
  /** The public path prefix, or `internal` (reachable only by the app's other components). */
  exposure: string;
  port: number;
  size: string;
  scaling: ServiceScaling;
  healthCheck: CheckTopology;
  /** Alert rules with the value each fires above. */
  alerts: Record<string, number>;
}

export interface WorkerTopology {
  name: string;
  size: string;
  scaling: ServiceScaling;
  /** Seconds between SIGTERM and SIGKILL. */
  gracePeriodSeconds: number;
  /** Its liveness check, when it has one; null for a worker only restarted when it exits. */
  livenessCheck: CheckTopology | null;
  alerts: Record<string, number>;
}

export interface JobTopology {
  name: string;
  kind: JobKind;
  size: string;
  runCommand: string;
}

/** The non-secret shape of an app's services, workers and jobs, as the spec declares them. */
export function appTopology(
  args: Pick<AppSpecArgs, "services" | "workers" | "jobs" | "thresholds">,
): {
  services: ServiceTopology[];
  workers: WorkerTopology[];
  jobs: JobTopology[];
} {
  return {
    services: args.services.map((service) => ({
      name: service.name,
      exposure: service.routePrefix ?? "internal",
      port: service.httpPort,
      size: service.size,
      scaling: service.scaling,
      healthCheck: checkTopology(service.healthCheckPath, service.httpPort),
      alerts: serviceAlertValues(args.thresholds),
    })),
    workers: args.workers.map((worker) => ({
      name: worker.name,
      size: worker.size,
      scaling: worker.scaling,
      gracePeriodSeconds: WORKER_GRACE_PERIOD_SECONDS,
      livenessCheck:
        worker.liveness === undefined
          ? null
          : checkTopology(worker.liveness.path, worker.liveness.port),
      alerts: serviceAlertValues(args.thresholds),
    })),
    jobs: args.jobs.map((job) => ({
      name: job.name,
      kind: job.kind,
      size: job.size,
      runCommand: job.runCommand,
    })),
  };
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
    // The app joins one VPC (App spec `vpcs`, terraform-provider-digitalocean
    // digitalocean/app/app_spec.go) with every component but functions, so the PRE_DEPLOY job
    // too: DigitalOcean's "How to Enable App Platform VPC" (docs.digitalocean.com/products/
    // app-platform/how-to/enable-vpc, validated 8 Jul 2025) makes `vpc` an app-wide setting and
    // says "VPC is not currently supported for Function components", no other. The VPC must lie in
    // the one datacenter of the app's region ("apps can only connect to VPC networks that are in
    // the same datacenter where the app is deployed": ams → ams3, fra → fra1, nyc → nyc1, …), and
    // through it the app reaches "VPC resources in any DigitalOcean datacenter using VPC
    // peering", databases included, from "the app's VPC egress private IP", an address of the
    // VPC's range, which the database firewall admits.
    ...(args.vpcId === undefined ? {} : { vpcs: [{ id: args.vpcId }] }),
    services: args.services.map((service) => serviceSpec(service, args)),
    ...(args.workers.length === 0
      ? {}
      : { workers: args.workers.map((worker) => workerSpec(worker, args)) }),
    ...(args.jobs.length === 0 ? {} : { jobs: args.jobs.map((job) => jobSpec(job, args)) }),
    ingress: { rules: ingressRules(args.services) },
    // App-wide (`spec.env` in the provider's schema): every component sees it. A changed digest
    // is a change App Platform can see, so the app rolls out with the new write-only values (see
    // `writeOnlyPaths`); GENERAL values come back as sent, so the var itself never diffs.
    envs: [
      {
        key: SECRETS_DIGEST_ENV,
        scope: "RUN_TIME",
        type: "GENERAL",
        value: args.secretsDigest,
      },
    ],
    alerts: APP_ALERT_RULES.map((rule) => ({ rule, destinations })),
  };
}
