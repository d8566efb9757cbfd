// Composes the platform from validated config. This is the only place that knows about
// environments; the components in infra/ receive plain, typed arguments.
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import type { AppServiceArgs, ServiceEnv, ServiceScaling } from "../infra/compute/app-spec.ts";
import { ContainerRegistry } from "../infra/compute/container-registry.ts";
import { PlatformApp } from "../infra/compute/platform-app.ts";
import { ServiceImage } from "../infra/compute/service-image.ts";
import { EnvironmentProject } from "../infra/core/environment-project.ts";
import { DatabaseFirewall } from "../infra/data/database-firewall.ts";
import { PostgresCluster } from "../infra/data/postgres-cluster.ts";
import { EdgeRules } from "../infra/edge/edge-rules.ts";
import { FailoverLoadBalancer } from "../infra/edge/failover-load-balancer.ts";
import { ProxiedRecords, type ProxiedRecord } from "../infra/edge/proxied-records.ts";
import { ZoneSecurity } from "../infra/edge/zone-security.ts";
import { AssetBucket } from "../infra/storage/asset-bucket.ts";
import { UploadIdentity } from "../infra/storage/upload-identity.ts";
import { appRegionOf } from "./config/catalog.ts";
import type { PlatformConfig } from "./config/load.ts";
import type { ServiceConfig } from "./config/schema.ts";
import type { AppOutput, ImageOutput, PlatformOutputs, RegionOutput } from "./outputs.ts";
import { API, WEB, type SampleService } from "./services.ts";

interface AppRegion extends RegionOutput {
  role: AppOutput["role"];
}

function regionOutput(datacenter: string): RegionOutput {
  return { datacenter, appRegion: appRegionOf(datacenter) };
}

function appRegions(config: PlatformConfig): AppRegion[] {
  const { primary, secondary } = config.regions;
  return [
    { role: "primary", ...regionOutput(primary) },
    ...(secondary === undefined
      ? []
      : [{ role: "secondary" as const, ...regionOutput(secondary) }]),
  ];
}

function scalingOf(service: ServiceConfig): ServiceScaling {
  return service.autoscaling ?? { instances: service.instances ?? 1 };
}

function secretEnv(key: string, value: pulumi.Input<string> | undefined): ServiceEnv[] {
  return value === undefined ? [] : [{ key, value, secret: true }];
}

function plainEnv(key: string, value: string): ServiceEnv {
  return { key, value, secret: false };
}

export function buildPlatform(config: PlatformConfig): PlatformOutputs {
  const { environment, secrets } = config;
  const production = environment === "production";
  const regions = appRegions(config);
  const tags = ["platform", environment];

  const project = new EnvironmentProject("project", {
    projectName: `platform-${environment}`,
    description: `Web platform (${environment}): apps, database and registry, managed by Pulumi.`,
    environment: production ? "Production" : "Staging",
  });

  const registryRegion = config.registry.region ?? config.regions.primary;
  const registry = new ContainerRegistry("registry", {
    registryName: config.registry.name,
    tier: config.registry.tier,
    region: registryRegion,
    protect: production,
  });
  const buildImage = (service: SampleService, buildArgs: Record<string, string> = {}) =>
    new ServiceImage(`image-${service.name}`, {
      repository: service.name,
      registryEndpoint: registry.endpoint,
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

  const database = new PostgresCluster("database", {
    clusterName: `platform-${environment}`,
    engineVersion: config.database.engineVersion,
    region: config.regions.primary,
    size: config.database.size,
    standbyNodes: config.database.standbys,
    replicas: config.database.replicas,
    maintenanceWindow: config.database.maintenanceWindow,
    poolSize: config.database.poolSize,
    projectId: project.projectId,
    tags,
    protect: production,
  });

  const awsProvider = new aws.Provider("aws", {
    region: config.assets.awsRegion,
    defaultTags: { tags: { platform: "platform", environment } },
  });
  const cloudflareRanges = cloudflare.getIpRangesOutput({});
  const assets = new AssetBucket(
    "assets",
    {
      bucketName: config.domain.assetsHost,
      // The bucket's regional endpoint answers over IPv4 only, so Cloudflare reaches it from
      // its IPv4 ranges; naming no IPv6 range also keeps the policy narrow enough to be private.
      readerCidrs: cloudflareRanges.ipv4Cidrs,
      corsOrigins: [`https://${config.domain.appHost}`],
      noncurrentVersionExpirationDays: config.assets.noncurrentVersionExpirationDays,
      protect: production,
    },
    { providers: { aws: awsProvider } },
  );
  const uploads = new UploadIdentity(
    "uploads",
    {
      userName: `platform-${environment}-api-uploads`,
      bucketArn: assets.bucketArn,
      uploadPrefix: config.assets.uploadPrefix,
    },
    { providers: { aws: awsProvider } },
  );
  const loadBalanced = config.edge.loadBalancer;

  const alerts = {
    emails: config.monitoring.alertEmails,
    ...(secrets.slackWebhookUrl === undefined
      ? {}
      : {
          slack: { webhookUrl: secrets.slackWebhookUrl, channel: config.monitoring.slackChannel },
        }),
  };
  const logDrains = {
    logtailToken: secrets.logtailToken,
    papertrailEndpoint: secrets.papertrailEndpoint,
    datadogApiKey: secrets.datadogApiKey,
  };
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
      plainEnv("NODE_ENV", "production"),
      plainEnv("PORT", String(service.httpPort)),
      ...secretEnv("SENTRY_DSN", secrets.sentryDsn),
      ...(secrets.sentryDsn === undefined ? [] : [plainEnv("SENTRY_ENVIRONMENT", environment)]),
      ...env,
    ],
  });

  const apps = regions.map((region) => ({
    region,
    app: new PlatformApp(`app-${region.appRegion}`, {
      appName: `platform-${environment}-${region.appRegion}`,
      // Without a load balancer, the app's hostname points straight at the primary app.
      domains: !loadBalanced && region.role === "primary" ? [config.domain.appHost] : [],
      region: region.appRegion,
      projectId: project.projectId,
      alerts,
      logDrains,
      services: [
        serviceArgs(WEB, images.web, [
          // App Platform resolves this to the api's address inside the app: no public hop.
          plainEnv("API_URL", "${api.PRIVATE_URL}"),
          plainEnv("HOSTNAME", "0.0.0.0"),
        ]),
        serviceArgs(API, images.api, [
          ...secretEnv("DATABASE_URL", database.primaryConnectionString),
          ...secretEnv("DATABASE_READ_URL", database.readConnectionString(region.datacenter)),
          { key: "DATABASE_CA_CERT", value: database.caCertificate, secret: false },
          plainEnv("AWS_REGION", config.assets.awsRegion),
          { key: "ASSETS_BUCKET", value: assets.bucketName, secret: false },
          plainEnv("ASSETS_UPLOAD_PREFIX", config.assets.uploadPrefix),
          plainEnv("ASSETS_PUBLIC_URL", `https://${config.domain.assetsHost}`),
          ...secretEnv("AWS_ACCESS_KEY_ID", uploads.accessKeyId),
          ...secretEnv("AWS_SECRET_ACCESS_KEY", uploads.secretAccessKey),
        ]),
      ],
    }),
  }));

  const firewall = new DatabaseFirewall("database-firewall", {
    databases: database.guardedDatabases,
    appIds: apps.map(({ app }) => app.appId),
    ipRanges: config.database.trustedIpRanges,
  });

  const zone = new ZoneSecurity("zone", { zoneId: config.edge.zoneId, hsts: config.edge.hsts });
  new EdgeRules("edge-rules", {
    zoneId: config.edge.zoneId,
    appHost: config.domain.appHost,
    assetsHost: config.domain.assetsHost,
    staticEdgeTtlSeconds: config.edge.staticEdgeTtlSeconds,
    rateLimit: config.edge.rateLimit,
  });
  const loadBalancer = loadBalanced
    ? new FailoverLoadBalancer("app-load-balancer", {
        accountId: config.edge.accountId,
        zoneId: config.edge.zoneId,
        hostname: config.domain.appHost,
        origins: apps.map(({ region, app }) => ({
          region: region.appRegion,
          host: app.ingressHost,
        })),
        healthCheckPath: `${API.routePrefix}${API.healthCheckPath}`,
        notificationEmail: config.monitoring.alertEmails[0] ?? "",
      })
    : undefined;
  const [primary] = apps;
  const records: ProxiedRecord[] = [
    {
      name: config.domain.assetsHost,
      target: assets.regionalDomainName,
      comment: "Asset bucket; S3 serves it because the bucket is named after this hostname",
    },
    ...(loadBalancer === undefined && primary !== undefined
      ? [{ name: config.domain.appHost, target: primary.app.ingressHost, comment: "The app" }]
      : []),
  ];
  new ProxiedRecords("dns", { zoneId: config.edge.zoneId, records });

  const imageOutput = (image: ServiceImage): ImageOutput => ({
    repository: image.repository,
    digest: image.digest,
    repoDigest: image.repoDigest,
  });
  return {
    environment,
    regions: {
      primary: regionOutput(config.regions.primary),
      secondary:
        config.regions.secondary === undefined ? null : regionOutput(config.regions.secondary),
    },
    hostnames: { app: config.domain.appHost, assets: config.domain.assetsHost },
    project: { id: project.projectId, name: project.projectName },
    registry: {
      name: registry.registryName,
      endpoint: registry.endpoint,
      tier: config.registry.tier,
      datacenter: registryRegion,
      protected: production,
    },
    images: { web: imageOutput(images.web), api: imageOutput(images.api) },
    apps: apps.map(({ region, app }) => ({
      role: region.role,
      region: { datacenter: region.datacenter, appRegion: region.appRegion },
      appId: app.appId,
      defaultIngress: app.defaultIngress,
    })),
    database: { ...database.topology, trustedSources: firewall.trustedSources },
    assets: {
      publicUrl: `https://${config.domain.assetsHost}`,
      uploadPrefix: config.assets.uploadPrefix,
      buckets: assets.controls,
      uploader: {
        userArn: uploads.userArn,
        actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      },
    },
    edge: {
      tls: zone.posture,
      loadBalancer: loadBalancer?.description ?? null,
      records: records.map((record) => record.name),
      cache: { staticEdgeTtlSeconds: config.edge.staticEdgeTtlSeconds, api: "bypass" },
      rateLimit: config.edge.rateLimit,
    },
    integrations: {
      sentry: secrets.sentryDsn !== undefined,
      logDrains: [
        ...(secrets.logtailToken === undefined ? [] : (["logtail"] as const)),
        ...(secrets.papertrailEndpoint === undefined ? [] : (["papertrail"] as const)),
        ...(secrets.datadogApiKey === undefined ? [] : (["datadog"] as const)),
      ],
      slackAlerts: secrets.slackWebhookUrl !== undefined,
    },
  };
}
