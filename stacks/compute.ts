// The compute tier: the registry, the images the stack builds and pushes, and one App Platform
// app per region, each in its region's VPC, running the services and, before every deployment,
// the database migration job.
import * as pulumi from "@pulumi/pulumi";
import type {
  AlertRoutes,
  AppJobArgs,
  AppServiceArgs,
  ServiceEnv,
  ServiceScaling,
} from "../infra/compute/app-spec.ts";
import { ContainerRegistry } from "../infra/compute/container-registry.ts";
import {
  PlatformApp,
  platformAppFingerprint,
  type PlatformAppArgs,
} from "../infra/compute/platform-app.ts";
import type { RegistryLogin } from "../infra/compute/registry-login.ts";
import { ServiceImage } from "../infra/compute/service-image.ts";
import type { PrivateNetwork } from "../infra/core/private-network.ts";
import type { OriginLock } from "../infra/edge/origin-lock.ts";
import { otlpEndpoint, otlpHeaders } from "../infra/observability/apm.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { ServiceConfig } from "./config/schema.ts";
import type { DataTier } from "./data.ts";
import type { AppRegion, Foundation } from "./foundation.ts";
import type { ImageOutput, PlatformOutputs } from "./outputs.ts";
import { backendOf } from "./monitoring.ts";
import type { DeployedApps } from "./previous-deployment.ts";
import { PUSH_LOGIN_EXPIRY_SECONDS } from "./registry-push-login.ts";
import { API, MIGRATION_JOB, WEB, type SampleService } from "./services.ts";

export interface RegionApp {
  region: AppRegion;
  app: PlatformApp;
}

export interface ComputeTier {
  apps: RegionApp[];
  outputs: Pick<PlatformOutputs, "registry" | "images" | "apps">;
}

function scalingOf(service: ServiceConfig): ServiceScaling {
  return service.autoscaling ?? { instances: service.instances ?? 1 };
}

function secretEnv(key: string, value: pulumi.Input<string> | undefined): ServiceEnv[] {
  return value === undefined ? [] : [{ key, value, secret: true }];
}

function plainEnv(key: string, value: pulumi.Input<string>): ServiceEnv {
  return { key, value, secret: false };
}

/** What the compute tier knows of the last deployment. */
export interface Rollout {
  /** Each app as last deployed, by app name (none for a new stack). */
  deployed: DeployedApps;
  /**
   * Whether this run is a preview: it builds no image, so it does not wait for the apps'
   * fingerprints (`appRestAsDeployed`).
   */
  preview: boolean;
  /** Send every write-only value again, e.g. after a credential was replaced by hand. */
  rollAll: boolean;
  /** Issues the login images are pushed with, once the registry exists (registry-push-login.ts). */
  issuePushLogin: (registryName: string) => Promise<RegistryLogin>;
}

/**
 * Everything behind an app's write-only settings that can change: the secrets that
 * become SECRET env vars or alert destinations (as fingerprints; both are long random tokens), the
 * alert routes, and what decides the generated credentials: the database identities (replaced,
 * with new passwords, only when these change) and the origin lock's generation. Plain config only,
 * so it is known before any resource exists. The log drains' secrets are not write-only
 * (`writeOnlyPaths`), but a new one redeploys the app, which must then send its alert
 * destinations too: their fingerprints make that visible (`deploymentFingerprint` masks them).
 */
export function writeOnlyValuesSource(config: PlatformConfig, data: DataTier): object {
  const { topology } = data.database;
  const apm = config.monitoring.apm;
  return {
    // Every config secret that is set, in SECRET_KEYS order (undefined ones leave no trace).
    secrets: config.secretFingerprints,
    // The OTLP headers' layout is the backend's.
    apm: apm === undefined ? null : backendOf(apm),
    alerts: { emails: config.monitoring.alertEmails, slackChannel: config.monitoring.slackChannel },
    database: {
      cluster: topology.clusterName,
      region: topology.region,
      replicas: topology.replicas.map((replica) => replica.name),
      database: topology.database,
      user: topology.user,
      pool: topology.pool.name,
    },
    originLock: config.edge.originLockGeneration,
  };
}

/** The plain value of an output, once the engine has resolved it. */
function resolvedValue<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/**
 * Whether the app these args declare is the one deployed, apart from its write-only settings:
 * its fingerprint equals the last deployment's. An `up` waits for it (the images must be built);
 * a preview does not (it builds none) and counts the app as deployed, as it shows no alert
 * destinations anyway. A never-deployed app is not deployed.
 */
export async function appRestAsDeployed(
  args: PlatformAppArgs,
  deployedFingerprint: string | undefined,
  preview: boolean,
): Promise<boolean> {
  if (deployedFingerprint === undefined) return false;
  if (preview) return true;
  return (await resolvedValue(platformAppFingerprint(args))) === deployedFingerprint;
}

function imageOutput(image: ServiceImage): ImageOutput {
  return { repository: image.repository, digest: image.digest, repoDigest: image.repoDigest };
}

export async function buildCompute(
  config: PlatformConfig,
  foundation: Foundation,
  network: PrivateNetwork,
  data: DataTier,
  originLock: OriginLock,
  alerts: AlertRoutes,
  rollout: Rollout,
): Promise<ComputeTier> {
  const { environment, secrets } = config;
  const { database, firewall } = data;

  const registryRegion = config.registry.region ?? config.regions.primary;
  const registry = new ContainerRegistry("registry", {
    registryName: config.registry.name,
    tier: config.registry.tier,
    region: registryRegion,
    issuePushLogin: rollout.issuePushLogin,
    protect: foundation.production,
  });
  const buildImage = (service: SampleService, buildArgs: Record<string, string> = {}) =>
    new ServiceImage(`image-${service.name}`, {
      repository: service.name,
      registryEndpoint: registry.endpoint,
      registryServer: registry.server,
      pushLogin: registry.pushLogin,
      context: service.context,
      dockerfile: service.dockerfile,
      tag: environment,
      buildArgs,
    });
  const images = {
    // Behind the load balancer the app sees its own Host, not the public one browsers send.
    web: buildImage(WEB, { SERVER_ACTIONS_ALLOWED_ORIGINS: config.domain.appHost }),
    api: buildImage(API),
  };

  const logDrains = {
    logtailToken: secrets.logtailToken,
    papertrailEndpoint: secrets.papertrailEndpoint,
    datadogApiKey: secrets.datadogApiKey,
  };
  const commonEnv: ServiceEnv[] = [
    plainEnv("NODE_ENV", "production"),
    // Both services refuse requests without one of these (the edge adds the first).
    ...secretEnv("ORIGIN_LOCK_SECRETS", originLock.accepted),
    ...secretEnv("SENTRY_DSN", secrets.sentryDsn),
  ];
  const apm = config.monitoring.apm;
  const apmKey = secrets.apmIngestKey;
  /**
   * What ties a service's telemetry to exactly what runs: Sentry's environment and release (the
   * image digest), and, with an APM backend, the standard OpenTelemetry variables the services
   * read (endpoint, headers holding the key as a SECRET, service name, resource attributes).
   */
  const telemetryEnv = (service: SampleService, image: ServiceImage): ServiceEnv[] => [
    ...(secrets.sentryDsn === undefined
      ? []
      : [plainEnv("SENTRY_ENVIRONMENT", environment), plainEnv("SENTRY_RELEASE", image.digest)]),
    ...(apm === undefined || apmKey === undefined
      ? []
      : [
          plainEnv("OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint(backendOf(apm))),
          ...secretEnv("OTEL_EXPORTER_OTLP_HEADERS", otlpHeaders(backendOf(apm), apmKey)),
          plainEnv("OTEL_SERVICE_NAME", service.name),
          plainEnv(
            "OTEL_RESOURCE_ATTRIBUTES",
            pulumi.interpolate`deployment.environment.name=${environment},service.version=${image.digest}`,
          ),
        ]),
  ];
  const serviceArgs = (
    service: SampleService,
    image: ServiceImage,
    env: ServiceEnv[],
  ): AppServiceArgs => ({
    name: service.name,
    repository: image.repository,
    digest: image.digest,
    httpPort: service.httpPort,
    routePrefix: service.routePrefix,
    healthCheckPath: service.healthCheckPath,
    size: config.services[service.name].size,
    scaling: scalingOf(config.services[service.name]),
    env: [
      ...commonEnv,
      ...telemetryEnv(service, image),
      plainEnv("PORT", String(service.httpPort)),
      ...env,
    ],
  });
  // Every deployment of every region migrates first; the migrations' advisory lock makes the
  // second region's run wait for the first and then find nothing to do. The job reaches the
  // primary's private host through its app's VPC, and from the secondary region through the
  // peering of the two VPCs: both documented (`appSpec`, `PrivateNetwork`). While the primary's
  // datacenter is down, no app can deploy: the job fails, and the running version keeps serving
  // (README, "A lost region").
  const migrationJob: AppJobArgs = {
    name: MIGRATION_JOB.name,
    kind: "PRE_DEPLOY",
    repository: images.api.repository,
    digest: images.api.digest,
    runCommand: MIGRATION_JOB.runCommand,
    size: MIGRATION_JOB.size,
    env: [
      plainEnv("NODE_ENV", "production"),
      // The owner of the schema, for this job alone: no service ever holds it.
      ...secretEnv("DATABASE_URL", database.migrationConnectionString),
      plainEnv("DATABASE_RUNTIME_ROLE", database.runtimeRole),
      plainEnv("DATABASE_CA_CERT", database.caCertificate),
    ],
  };

  const derivedFrom = writeOnlyValuesSource(config, data);
  const appOf = async (region: AppRegion): Promise<RegionApp> => {
    const appName = `platform-${environment}-${region.appRegion}`;
    const deployed = rollout.deployed.get(appName);
    const args: PlatformAppArgs = {
      appName,
      writeOnly: {
        derivedFrom,
        deployedDigest: deployed?.secretsDigest,
        sendAll: rollout.rollAll,
        restAsDeployed: false,
      },
      // No custom domain on App Platform: Cloudflare reaches the app by its own hostname,
      // as DigitalOcean's external-CDN guidance asks (see FailoverLoadBalancer).
      domains: [],
      region: region.appRegion,
      vpcId: network.vpcIdOf(region.datacenter),
      projectId: foundation.project.projectId,
      retainOnDelete: foundation.production,
      alerts,
      logDrains,
      services: [
        serviceArgs(WEB, images.web, [
          // The api is internal: App Platform's components reach each other by name.
          plainEnv("API_URL", `http://${API.name}:${String(API.httpPort)}`),
          plainEnv("HOSTNAME", "0.0.0.0"),
        ]),
        serviceArgs(API, images.api, [
          ...secretEnv("DATABASE_URL", database.primaryConnectionString),
          ...secretEnv("DATABASE_READ_URL", database.readConnectionString(region.datacenter)),
          plainEnv("DATABASE_CA_CERT", database.caCertificate),
          // The PRE_DEPLOY job migrated already, as the schema's owner.
          plainEnv("MIGRATE_ON_START", "false"),
        ]),
      ],
      jobs: [migrationJob],
    };
    const restAsDeployed = await appRestAsDeployed(args, deployed?.fingerprint, rollout.preview);
    return {
      region,
      app: new PlatformApp(
        `app-${region.appRegion}`,
        { ...args, writeOnly: { ...args.writeOnly, restAsDeployed } },
        // A new cluster admits every address until its firewall exists: no app deploys before.
        { dependsOn: [firewall] },
      ),
    };
  };
  const apps = await Promise.all(foundation.regions.map(appOf));

  return {
    apps,
    outputs: {
      registry: {
        name: registry.registryName,
        endpoint: registry.endpoint,
        tier: config.registry.tier,
        datacenter: registryRegion,
        protected: foundation.production,
        pushCredentials: { issued: "per update", lifetimeSeconds: PUSH_LOGIN_EXPIRY_SECONDS },
      },
      images: { web: imageOutput(images.web), api: imageOutput(images.api) },
      apps: apps.map(({ region, app }) => ({
        name: app.appName,
        role: region.role,
        region: { datacenter: region.datacenter, appRegion: region.appRegion },
        appId: app.appId,
        originHost: app.ingressHost,
        secretsDigest: app.deployedSecretsDigest,
        fingerprint: app.fingerprint,
        ...app.topology,
      })),
    },
  };
}
