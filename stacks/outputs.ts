// The stack's one exported object, `platform`: what an auditor reads with
// `pulumi stack output --json`. Credentials never appear here; secrets are named, never shown.
import type * as pulumi from "@pulumi/pulumi";
import type { JobTopology, ServiceTopology, WorkerTopology } from "../infra/compute/app-spec.ts";
import type { ApmBackend } from "../infra/observability/apm.ts";
import type { ApmMonitorDescription } from "../infra/observability/apm-monitors.ts";
import type { VpcDescription } from "../infra/core/private-network.ts";
import type { TrustedSource } from "../infra/data/database-firewall.ts";
import type { DatabaseTopology } from "../infra/data/postgres-cluster.ts";
import type { RestoreDescription } from "../infra/data/restored-cluster.ts";
import type { LoadBalancerDescription } from "../infra/edge/failover-load-balancer.ts";
import type { TlsPosture } from "../infra/edge/zone-security.ts";
import type { BucketControls } from "../infra/storage/locked-bucket.ts";
import type { Environment } from "./config/catalog.ts";

export interface RegionOutput {
  /** DigitalOcean datacenter (database, VPC), e.g. `fra1`. */
  datacenter: string;
  /** App Platform region serving the same place, e.g. `fra`. */
  appRegion: string;
}

export interface ImageOutput {
  repository: string;
  /** `sha256:…`: what the apps run. */
  digest: pulumi.Output<string>;
  /** `registry.digitalocean.com/<registry>/<repository>@sha256:…`. */
  repoDigest: pulumi.Output<string>;
}

export interface AppOutput {
  /** The app's name in DigitalOcean, e.g. `platform-production-fra`. */
  name: string;
  /** `primary` serves first; `secondary` takes over when the primary fails. */
  role: "primary" | "secondary";
  region: RegionOutput;
  appId: pulumi.Output<string>;
  /**
   * The app's own `*.ondigitalocean.app` host: the load balancer's origin, not an address for
   * anyone else (it refuses requests without the origin lock's header).
   */
  originHost: pulumi.Output<string>;
  /**
   * `SECRETS_DIGEST` as the deployed app holds it: a digest of its write-only settings (SECRET env
   * values, alert routes). The next run compares against it to tell whether to send them.
   */
  secretsDigest: pulumi.Output<string>;
  /**
   * A digest of the rest of the app (images, sizes, GENERAL env values, alert rules), write-only
   * and secret values masked. The next run compares against it to tell whether it redeploys the
   * app, which must then send the alert destinations again.
   */
  fingerprint: pulumi.Output<string>;
  /** Each service's exposure, size, scaling, health check and alert thresholds. */
  services: ServiceTopology[];
  /** Each background worker's size, scaling, grace period, liveness check and alert thresholds. */
  workers: WorkerTopology[];
  /** Jobs, such as the `PRE_DEPLOY` migration every deployment runs. */
  jobs: JobTopology[];
}

export interface DeliveryOutput {
  /** `owner/repository`. */
  repository: string;
  /** The GitHub environment this stack deploys through and writes into (`<stack>`). */
  environment: string;
  /** Names of the Actions variables and secrets the stack writes there (never their values). */
  variables: string[];
  secrets: string[];
  /**
   * Where the pipeline's controls are declared: the environments, who may enter and approve
   * them, the CI roles and the rulesets belong to the bootstrap project (its own plan and
   * outputs), which an administrator applies; no deployment can change them.
   */
  controlsFrom: "bootstrap";
}

export interface MonitoringOutput {
  /** Where traces go and the monitors there; null when no APM backend is configured. */
  apm: {
    backend: ApmBackend;
    endpoint: string;
    monitors: ApmMonitorDescription[];
  } | null;
  /** The one alert route: where every alert goes (the Slack webhook itself is a secret). */
  route: { emails: string[]; slackChannel: string | null };
  /** Each uptime check's URL and its alert types. */
  uptime: { url: pulumi.Output<string>; alerts: string[] }[];
}

export interface PlatformOutputs {
  /** The stack, which is also the environment: `staging` or `production`. */
  environment: Environment;
  regions: {
    primary: RegionOutput;
    /** Absent when the environment runs in one region. */
    secondary: RegionOutput | null;
  };
  /** Public hostnames served through Cloudflare. */
  hostnames: { app: string; assets: string };
  /** The DigitalOcean project that groups this environment's resources. */
  project: { id: pulumi.Output<string>; name: pulumi.Output<string> };
  /** The private network: a VPC per datacenter, each peered with the others. */
  network: { vpcs: VpcDescription[]; peerings: string[] };
  /** The container registry the stack pushes to. */
  registry: {
    name: pulumi.Output<string>;
    endpoint: pulumi.Output<string>;
    tier: string;
    datacenter: string;
    protected: boolean;
    /**
     * How images are pushed: with a login DigitalOcean issues for each update, which expires after
     * `lifetimeSeconds`; no credentials are a resource of the stack, none is exported.
     */
    pushCredentials: { issued: "per update"; lifetimeSeconds: number };
  };
  /** The image each catalog service runs, by digest, keyed by the service's name. */
  images: Record<string, ImageOutput>;
  /** One App Platform app per region. */
  apps: AppOutput[];
  /**
   * The managed PostgreSQL topology and who may connect to it; `restore` is the copy restored
   * from its backups beside it (`database.restore`), or null.
   */
  database: DatabaseTopology & {
    trustedSources: pulumi.Output<TrustedSource[]>;
    restore: (RestoreDescription & { trustedSources: pulumi.Output<TrustedSource[]> }) | null;
  };
  /** Asset storage: the buckets' controls. */
  assets: {
    publicUrl: string;
    buckets: { assets: BucketControls; logs: BucketControls };
  };
  /**
   * Cloudflare: the zone's plan, TLS posture, the load balancer in front of the apps, proxied
   * records, cache, rate limit, managed WAF rulesets and the origin lock (never its secret).
   */
  edge: {
    plan: string;
    tls: TlsPosture;
    loadBalancer: LoadBalancerDescription;
    records: string[];
    cache: { staticEdgeTtlSeconds: number };
    rateLimit: { requests: number; periodSeconds: number; counts: string };
    waf: { managedRulesets: string[] };
    originLock: { header: string; generation: number; acceptedGenerations: number[] };
  };
  /** Uptime checks, their alerts and the alert route. */
  monitoring: MonitoringOutput;
  /** What the stack writes into its GitHub deploy environment. */
  delivery: DeliveryOutput;
  /** Optional integrations that are switched on, by name; their secrets are never exported. */
  integrations: {
    sentry: boolean;
    logDrains: ("logtail" | "papertrail" | "datadog")[];
    slackAlerts: boolean;
  };
}
