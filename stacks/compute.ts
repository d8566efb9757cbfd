// The compute tier: the registry, the image of every catalog service, built and pushed by the
// stack, and one App Platform app per region, each in its region's VPC, running the catalog's
// services and workers and, before every deployment, the database migration job.
import type * as pulumi from "@pulumi/pulumi";
import type {
  AppJobArgs,
  AppServiceArgs,
  AppWorkerArgs,
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
import { poolNameOf } from "../infra/data/postgres-cluster.ts";
import type { OriginLock } from "../infra/edge/origin-lock.ts";
import type { AlertRoutes } from "../infra/observability/alert-routes.ts";
import { otlpEndpoint, otlpHeaders } from "../infra/observability/apm.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { ServiceConfig } from "./config/schema.ts";
import type { DataTier } from "./data.ts";
import type { AppRegion, Foundation } from "./foundation.ts";
import type { ImageOutput, PlatformOutputs } from "./outputs.ts";
import { backendOf } from "./monitoring.ts";
import type { DeployedApps } from "./previous-deployment.ts";
import { PUSH_LOGIN_EXPIRY_SECONDS } from "./registry-push-login.ts";
import { SERVICE_CATALOG, type CatalogService } from "./service-catalog.ts";
import {
  buildArgsOf,
  type DatabaseBindings,
  migrationEnv,
  type PlatformBindings,
  serviceEnv,
  sha256,
} from "./service-env.ts";
import { environmentPrefix } from "../infra/core/component.ts";

export interface RegionApp {
  region: AppRegion;
  app: PlatformApp;
}

export interface ComputeTier {
  apps: RegionApp[];
  outputs: Pick<PlatformOutputs, "registry" | "images" | "apps">;
}

/** A catalog service's size and scaling; the loader refused a stack that leaves one unsized. */
export function sizingOf(config: Pick<PlatformConfig, "services">, name: string): ServiceConfig {
  const sizing = config.services[name];
  if (sizing === undefined) {
    throw new Error(
      `platform:services.${name} is not set; the config loader should have refused it`,
    );
  }
  return sizing;
}

function scalingOf(service: ServiceConfig): ServiceScaling {
  return "autoscaling" in service ? service.autoscaling : { instances: service.instances };
}

/** The migration job's size: it opens one connection and exits. */
const MIGRATION_JOB_SIZE = "apps-s-1vcpu-0.5gb";

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
 * What decides an app's write-only settings that are no env var: the alert destinations (e-mails,
 * the Slack webhook's fingerprint and channel) and the log drains' secrets, which are not
 * write-only (`writeOnlyPaths`), but a new one redeploys the app, which must then send its alert
 * destinations too (`deploymentFingerprint` masks them). Every SECRET env var brings its own
 * fingerprint (stacks/service-env.ts). Plain config only, so it is known before any resource exists.
 */
export function writeOnlyValuesSource(config: PlatformConfig): object {
  const { secretFingerprints: fingerprints } = config;
  return {
    alerts: {
      emails: config.monitoring.alertEmails,
      slack:
        fingerprints.slackWebhookUrl === undefined
          ? null
          : { webhook: fingerprints.slackWebhookUrl, channel: config.monitoring.slackChannel },
    },
    logDrains: {
      logtail: fingerprints.logtailToken ?? null,
      papertrail: fingerprints.papertrailEndpoint ?? null,
      datadog: fingerprints.datadogApiKey ?? null,
    },
  };
}

/**
 * What the stack binds services to in the app of `region`. Each secret's fingerprint names what
 * decides its value: a config secret's digest, the identity of a generated credential (replaced,
 * with a new password, only when it changes), the origin lock's generation.
 */
export function platformBindings(
  config: PlatformConfig,
  data: DataTier,
  originLock: OriginLock,
  region: AppRegion,
): PlatformBindings {
  const { secrets, secretFingerprints: fingerprints } = config;
  const { database } = data;
  const { topology } = database;
  const apm = config.monitoring.apm;
  const identity = (role: string, host: string) =>
    sha256(
      JSON.stringify({
        cluster: topology.clusterName,
        region: topology.region,
        database: topology.database,
        role,
        host,
      }),
    );
  const replicaIn = topology.replicas.find((replica) => replica.region === region.datacenter);
  const databaseBindings: DatabaseBindings = {
    primary: (role) => ({
      value: database.primaryConnectionString(role),
      fingerprint: identity(role, poolNameOf(role)),
    }),
    read: (role) => ({
      value: database.readConnectionString(role, region.datacenter),
      fingerprint: identity(role, replicaIn?.name ?? poolNameOf(role)),
    }),
    owner: { value: database.migrationConnectionString, fingerprint: identity("owner", "primary") },
    caCertificate: database.caCertificate,
  };
  const apmKey = secrets.apmIngestKey;
  const apmKeyFingerprint = fingerprints.apmIngestKey;
  return {
    environment: config.environment,
    values: { appHost: config.domain.appHost },
    assetsUrl: `https://${config.domain.assetsHost}`,
    originLock: {
      value: originLock.accepted,
      fingerprint: sha256(`origin-lock generation ${config.edge.originLockGeneration}`),
    },
    sentryDsn:
      secrets.sentryDsn === undefined || fingerprints.sentryDsn === undefined
        ? undefined
        : { value: secrets.sentryDsn, fingerprint: fingerprints.sentryDsn },
    telemetry:
      apm === undefined || apmKey === undefined || apmKeyFingerprint === undefined
        ? undefined
        : {
            endpoint: otlpEndpoint(backendOf(apm)),
            headers: {
              value: otlpHeaders(backendOf(apm), apmKey),
              // The headers' layout is the backend's.
              fingerprint: sha256(
                JSON.stringify({ backend: backendOf(apm), key: apmKeyFingerprint }),
              ),
            },
          },
    database: databaseBindings,
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

/** What the compute tier builds on. */
export interface ComputeDependencies {
  foundation: Foundation;
  network: PrivateNetwork;
  data: DataTier;
  originLock: OriginLock;
  alerts: AlertRoutes;
  rollout: Rollout;
  /** @default SERVICE_CATALOG */
  catalog?: readonly CatalogService[];
}

export async function buildCompute(
  config: PlatformConfig,
  dependencies: ComputeDependencies,
): Promise<ComputeTier> {
  const { foundation, network, data, originLock, alerts, rollout } = dependencies;
  const catalog = dependencies.catalog ?? SERVICE_CATALOG;
  const { environment, secrets } = config;
  const { firewall } = data;

  const registryRegion = config.registry.region ?? config.regions.primary;
  const registry = new ContainerRegistry("registry", {
    registryName: config.registry.name,
    tier: config.registry.tier,
    region: registryRegion,
    issuePushLogin: rollout.issuePushLogin,
    protect: foundation.production,
  });
  const values = { appHost: config.domain.appHost };
  const built = catalog.map((service) => ({
    service,
    image: new ServiceImage(`image-${service.name}`, {
      repository: service.name,
      registryEndpoint: registry.endpoint,
      registryServer: registry.server,
      pushLogin: registry.pushLogin,
      // Every image builds from the repository root, so the workspace lockfile is inside it.
      context: ".",
      dockerfile: service.dockerfile,
      tag: environment,
      buildArgs: buildArgsOf(service, values),
    }),
  }));

  const logDrains = {
    logtailToken: secrets.logtailToken,
    papertrailEndpoint: secrets.papertrailEndpoint,
    datadogApiKey: secrets.datadogApiKey,
  };
  const componentsOf = (bindings: PlatformBindings) => {
    const services: AppServiceArgs[] = [];
    const workers: AppWorkerArgs[] = [];
    for (const { service, image } of built) {
      const sizing = sizingOf(config, service.name);
      const common = {
        name: service.name,
        repository: image.repository,
        digest: image.digest,
        size: sizing.size,
        scaling: scalingOf(sizing),
        env: serviceEnv(service, catalog, bindings, image.digest),
      };
      if (service.kind === "worker") {
        workers.push(
          service.liveness === undefined ? common : { ...common, liveness: service.liveness },
        );
      } else {
        services.push({
          ...common,
          httpPort: service.port ?? 0,
          routePrefix: service.kind === "web" ? service.route : undefined,
          healthCheckPath: service.healthPath ?? "/",
        });
      }
    }
    return { services, workers };
  };
  // Every deployment of every region migrates first; the migrations' advisory lock makes the
  // second region's run wait for the first and then find nothing to do. The job reaches the
  // primary's private host through its app's VPC, and from the secondary region through the
  // peering of the two VPCs: both documented (`appSpec`, `PrivateNetwork`). While the primary's
  // datacenter is down, no app can deploy: the job fails, and the running version keeps serving
  // (README, "A lost region").
  const owners = built.flatMap(({ service, image }) =>
    service.migrations === undefined ? [] : [{ image, ...service.migrations }],
  );
  const migrationJobOf = (database: DatabaseBindings): AppJobArgs[] =>
    owners.map((owner) => ({
      name: "migrate",
      kind: "PRE_DEPLOY",
      repository: owner.image.repository,
      digest: owner.image.digest,
      runCommand: owner.runCommand,
      size: MIGRATION_JOB_SIZE,
      env: migrationEnv(catalog, database),
    }));

  const derivedFrom = writeOnlyValuesSource(config);
  const appOf = async (region: AppRegion): Promise<RegionApp> => {
    const appName = `${environmentPrefix(environment)}-${region.appRegion}`;
    const deployed = rollout.deployed.get(appName);
    const bindings = platformBindings(config, data, originLock, region);
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
      ...componentsOf(bindings),
      jobs: migrationJobOf(bindings.database),
    };
    const restAsDeployed = await appRestAsDeployed(args, deployed?.fingerprint, rollout.preview);
    return {
      region,
      app: new PlatformApp(
        `app-${region.appRegion}`,
        { ...args, writeOnly: { ...args.writeOnly, restAsDeployed } },
        // A new cluster admits every address until its firewall exists: no app deploys before.
        // Its migration job reaches the primary through its VPC's peerings: active first.
        { dependsOn: [firewall, ...network.peeringsOf(region.datacenter)] },
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
      images: Object.fromEntries(
        built.map(({ service, image }) => [service.name, imageOutput(image)]),
      ),
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
