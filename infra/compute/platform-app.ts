import { digitalocean } from "../sdk/digitalocean.ts";
import * as pulumi from "@pulumi/pulumi";
import {
  appSpec,
  appTopology,
  deploymentFingerprint,
  type AlertThresholds,
  type AppJobArgs,
  type AppServiceArgs,
  type AppSpecArgs,
  type AppWorkerArgs,
  type JobTopology,
  type LogDrains,
  type ServiceTopology,
  type WorkerTopology,
  SECRETS_DIGEST_ENV,
  secretsDigestOf,
  writeOnlyPaths,
} from "./app-spec.ts";
import type { AlertRoutes } from "../observability/alert-routes.ts";
import { PlatformComponent } from "../core/component.ts";

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
  /**
   * Background workers, each from the registry by digest.
   * @default []
   */
  workers?: AppWorkerArgs[];
  /**
   * Jobs, such as the `PRE_DEPLOY` migration that every deployment runs before traffic moves.
   * @default []
   */
  jobs?: AppJobArgs[];
  /**
   * VPC the app joins (in its region's datacenter), so that it reaches the database's private
   * hosts, and through VPC peering those of other regions.
   * @default no VPC: the app reaches only public addresses
   */
  vpcId?: pulumi.Input<string>;
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
   * The app's write-only settings: SECRET env values and alert destinations, which App Platform
   * never returns as sent. The app carries a digest of them (`SECRETS_DIGEST`); while it equals
   * the one the deployed app carries, they are left out of the diff (`ignoreChanges`), so a
   * `pulumi up` with no change is a no-op instead of a redeploy. When it differs, or nothing was
   * deployed yet, the values are sent and the new digest rolls the app out.
   *
   * Alert destinations are also sent whenever the app redeploys for any other reason (a new
   * image, say): the provider assigns them after an update only when the spec it receives holds
   * them, and nothing shows that App Platform keeps them across a spec update (see
   * `PlatformApp`).
   */
  writeOnly: {
    /**
     * What the values behind the settings derive from, without secrets (fingerprints of config
     * secrets, credential identities…): when it changes, the values did.
     */
    derivedFrom: unknown;
    /** `SECRETS_DIGEST` of the deployed app, as the last deployment exported it. */
    deployedDigest: string | undefined;
    /** Send them even when the digests agree (after replacing a credential by hand). */
    sendAll: boolean;
    /**
     * Whether the rest of the spec is as deployed: `platformAppFingerprint` of these args equals
     * the deployed app's. When it is not, the update that follows carries the alert destinations.
     */
    restAsDeployed: boolean;
  };
  /**
   * DigitalOcean project the app is filed under.
   * @default the account's default project
   */
  projectId?: pulumi.Input<string>;
  /**
   * Leave the app running when it leaves the program: an app in a region that is down cannot be
   * deleted, and a region dropped from production is deleted by hand once it is back (README,
   * "A lost region").
   * @default false
   */
  retainOnDelete?: boolean;
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

  const names = [...args.services, ...(args.workers ?? []), ...(args.jobs ?? [])].map(
    (component) => component.name,
  );
  const prefixes = args.services.flatMap((service) =>
    service.routePrefix === undefined ? [] : [service.routePrefix],
  );
  if (args.services.length > 0 && prefixes.length === 0) {
    problems.push("no service has a routePrefix; an app needs at least one public service");
  }
  if (new Set(names).size !== names.length)
    problems.push(
      `component names repeat: ${names.join(", ")}; give each service, worker and job its own`,
    );
  if (new Set(prefixes).size !== prefixes.length) {
    problems.push(`route prefixes repeat: ${prefixes.join(", ")}; give each service its own`);
  }
  for (const service of [...args.services, ...(args.workers ?? [])]) {
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

/** The spec's arguments, defaults filled in and the write-only settings' digest computed. */
export function appSpecArgsOf(args: PlatformAppArgs): AppSpecArgs {
  const jobs = args.jobs ?? [];
  const workers = args.workers ?? [];
  return {
    appName: args.appName,
    domains: args.domains ?? [],
    region: args.region,
    vpcId: args.vpcId,
    services: args.services,
    workers,
    jobs,
    alerts: args.alerts,
    logDrains: args.logDrains ?? {},
    thresholds: args.thresholds ?? DEFAULT_THRESHOLDS,
    secretsDigest: secretsDigestOf(args.writeOnly.derivedFrom, {
      services: args.services,
      workers,
      jobs,
    }),
  };
}

/**
 * A digest of the app these args declare, write-only and secret values masked
 * (`deploymentFingerprint`): the deployed app's (`PlatformApp.fingerprint`, exported) differs
 * exactly when this run updates the app. Known once the images are built.
 */
export function platformAppFingerprint(args: PlatformAppArgs): pulumi.Output<string> {
  return deploymentFingerprint(appSpecArgsOf(args));
}

/** One region's App Platform app running the platform's services. */
export class PlatformApp extends PlatformComponent {
  readonly appId: pulumi.Output<string>;
  readonly appName: string;
  readonly region: string;
  /** `https://<app>.ondigitalocean.app`: the app's own address, behind Cloudflare. */
  readonly defaultIngress: pulumi.Output<string>;
  /** The host of `defaultIngress`, for DNS records and load balancer origins. */
  readonly ingressHost: pulumi.Output<string>;
  /**
   * `SECRETS_DIGEST` as the app itself holds it (read back after the refresh every run does):
   * what was really deployed, also when an update failed or was not targeted.
   */
  readonly deployedSecretsDigest: pulumi.Output<string>;
  /** `platformAppFingerprint` of the args: what the next run compares against. */
  readonly fingerprint: pulumi.Output<string>;
  /** Sizes, scaling, health checks and alert thresholds of the services, and the jobs: no secrets. */
  readonly topology: {
    services: ServiceTopology[];
    workers: WorkerTopology[];
    jobs: JobTopology[];
  };

  constructor(name: string, args: PlatformAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("compute", "PlatformApp", name, opts);

    const problems = platformAppArgsProblems(args);
    this.checkArgs(problems);

    const spec = appSpecArgsOf(args);
    const secretsUnchanged =
      !args.writeOnly.sendAll && args.writeOnly.deployedDigest === spec.secretsDigest;
    // The provider sends the spec without destinations, then assigns them by a separate call
    // (UpdateAlertDestinations) after a create and after an update, and only with the
    // destinations of the spec it received (terraform-provider-digitalocean
    // digitalocean/app/resource_app.go: `syncAppAlertDestinations`, called at the end of
    // `resourceDigitalOceanAppCreate` and `resourceDigitalOceanAppUpdate`; `expandAppAlerts` in
    // app_spec.go copies rule, disabled, operator, window and value only). Ignored, they reach the
    // provider as the refreshed state has them: not at all (`flattenAppAlerts`; the bridge drops
    // input keys the read does not return, pulumi-terraform-bridge `extractInputs`). Whether App
    // Platform keeps destinations through a spec update is documented nowhere (the alerts API,
    // digitalocean/openapi apps_assign_alertDestinations.yml, says nothing of it, and the
    // provider re-assigns them after every update), so any update sends them: they are ignored
    // only while the rest of the app is as deployed, when ignoring them makes the run a no-op.
    const destinationsUnchanged = secretsUnchanged && args.writeOnly.restAsDeployed;
    const app = new digitalocean.App(
      `${name}-app`,
      { projectId: args.projectId, spec: appSpec(spec) },
      {
        parent: this,
        retainOnDelete: args.retainOnDelete ?? false,
        // What the app must wait for (the database firewall, say) applies to its deployment.
        dependsOn: opts?.dependsOn,
        // Ignored, the engine keeps the values of the last deployment, which a refresh (this
        // project always refreshes) reads back as App Platform stores them (`EV[…]`, which the
        // API accepts as "keep this secret"), so nothing differs. Only a changed value is sent.
        ignoreChanges: [
          ...(secretsUnchanged ? writeOnlyPaths(spec, "secret-value") : []),
          ...(destinationsUnchanged ? writeOnlyPaths(spec, "alert-destinations") : []),
        ],
      },
    );

    this.appId = app.id;
    this.appName = args.appName;
    this.region = args.region;
    this.topology = appTopology(spec);
    this.fingerprint = deploymentFingerprint(spec);
    // A digest tells nothing about the secrets; the spec it is read from is secret as a whole.
    this.deployedSecretsDigest = pulumi.unsecret(
      app.spec.apply(
        (spec) => spec?.envs?.find((env) => env.key === SECRETS_DIGEST_ENV)?.value ?? "",
      ),
    );
    this.defaultIngress = app.defaultIngress;
    this.ingressHost = app.defaultIngress.apply((url) => new URL(url).host);
    this.registerOutputs({
      appId: this.appId,
      defaultIngress: this.defaultIngress,
      ingressHost: this.ingressHost,
      deployedSecretsDigest: this.deployedSecretsDigest,
      fingerprint: this.fingerprint,
    });
  }
}
