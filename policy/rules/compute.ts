// Compute: App Platform apps run pinned images, keep credentials in SECRET env vars, join a VPC,
// check every service, alert on every service and worker, and run two instances or more of each in
// production.
import type { PlatformRule } from "../rule.ts";
import { TYPES } from "../types.ts";
import { field, known, MASKED, numberOf, path, records, text, type Json } from "../values.ts";
import { APP_COMPONENTS } from "./data.ts";

interface Component {
  /** e.g. `service items`. */
  label: string;
  kind: (typeof APP_COMPONENTS)[number]["key"];
  spec: Json;
}

function componentsOf(props: unknown): Component[] {
  const spec = field(props, "spec");
  return APP_COMPONENTS.flatMap((kind) =>
    records(field(spec, kind.key)).map((component) => ({
      label: `${kind.label} ${text(component.name) ?? "?"}`,
      kind: kind.key,
      spec: component,
    })),
  );
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export const imageByDigest: PlatformRule = {
  id: "compute-image-by-digest",
  description:
    "Every App Platform service, worker and job runs an image pinned by digest, never by tag or from source.",
  remediation:
    "Set image.digest to the pushed image's sha256 digest (ServiceImage.digest) and drop image.tag.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, _context, report) => {
    for (const component of componentsOf(args.props)) {
      const image = component.spec.image;
      if (typeof image !== "object" || image === null) {
        report(`${component.label} runs no image: it builds from source`);
        continue;
      }
      // `in` reads no value: a digest still unknown during a preview (an image being rebuilt)
      // counts as set.
      if ("tag" in image) report(`${component.label} names an image tag`);
      if (!("digest" in image)) {
        report(`${component.label} has no image digest`);
        continue;
      }
      const digest = known(() => text(field(image, "digest")));
      if (digest !== undefined && !DIGEST.test(digest)) {
        report(`${component.label} has digest "${digest}", not sha256:<64 hex digits>`);
      }
    }
  },
};

/** Name parts that mark a credential. */
const CREDENTIAL_WORDS = new Set([
  "KEY",
  "KEYS",
  "SECRET",
  "SECRETS",
  "TOKEN",
  "TOKENS",
  "PASSWORD",
  "PASSWD",
  "PASS",
  "DSN",
  "HEADERS",
  "CREDENTIAL",
  "CREDENTIALS",
  "WEBHOOK",
  "PRIVATE",
]);

/**
 * Names that look like credentials but are not, each with the reason. A credential added under
 * one of these names would still be caught by its value (`://user:password@`).
 */
export const NOT_CREDENTIALS: Readonly<Record<string, string>> = {
  SECRETS_DIGEST:
    "a SHA-256 digest of fingerprints of the write-only values (infra/compute/app-spec.ts); GENERAL on purpose, so App Platform returns it unchanged and its change rolls the app",
};

export function isCredentialName(key: string): boolean {
  if (key in NOT_CREDENTIALS) return false;
  return (
    /(^|_)DATABASE(_[A-Z0-9]+)*_URL$/.test(key) ||
    key.split("_").some((word) => CREDENTIAL_WORDS.has(word))
  );
}

/** A URL that carries a password: `scheme://user:password@host`. */
const URL_WITH_PASSWORD = /:\/\/[^/\s:@]+:[^/\s@]+@/;

export const secretEnv: PlatformRule = {
  id: "compute-secret-env",
  description:
    "Every App Platform env var that holds a credential (KEY, SECRET, TOKEN, PASSWORD, DSN, DATABASE_URL, HEADERS, …) is of type SECRET.",
  remediation:
    "Declare the variable with secret: true (type SECRET, a Pulumi secret); if the name is no credential, add it with its reason to NOT_CREDENTIALS.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, _context, report) => {
    const scopes = [
      { label: "app", envs: records(path(args.props, ["spec", "envs"])) },
      ...componentsOf(args.props).map((component) => ({
        label: component.label,
        envs: records(component.spec.envs),
      })),
    ];
    for (const { label, envs } of scopes) {
      for (const env of envs) {
        if (env.type === "SECRET") continue;
        const key = text(env.key) ?? "?";
        const value = known(() => text(env.value));
        if (isCredentialName(key)) {
          report(
            `${label} ${key} is a credential of type ${text(env.type) ?? "GENERAL"}, not SECRET`,
          );
        } else if (value !== undefined && value !== MASKED && URL_WITH_PASSWORD.test(value)) {
          report(`${label} ${key} holds a URL with a password but is not SECRET`);
        }
      }
    }
  },
};

export const productionInstances: PlatformRule = {
  id: "compute-production-instances",
  description:
    "In production every App Platform service and worker runs at least two instances (instanceCount ≥ 2 or autoscaling.minInstanceCount ≥ 2).",
  remediation:
    "Set services.<name>.autoscaling.minInstances (or instances) to 2 or more in Pulumi.production.yaml.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, context, report) => {
    if (!context.production) args.notApplicable("production only: staging runs one instance");
    for (const component of componentsOf(args.props)) {
      // A job runs once per deployment; services and workers run all the time.
      if (component.kind === "jobs") continue;
      const fixed = numberOf(component.spec.instanceCount);
      const least = numberOf(path(component.spec, ["autoscaling", "minInstanceCount"]));
      const instances = least ?? fixed ?? 1;
      if (instances < 2) {
        report(
          `${component.label} runs ${String(instances)} instance(s) at least; production needs 2`,
        );
      }
    }
  },
};

export const healthChecks: PlatformRule = {
  id: "compute-health-checks",
  description: "Every App Platform service has a health check.",
  remediation:
    "Give the service a healthCheck with the httpPath it answers when alive (e.g. /healthz) and its port.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, _context, report) => {
    for (const component of componentsOf(args.props)) {
      if (component.kind !== "services") continue;
      const check = component.spec.healthCheck;
      const httpPath = text(field(check, "httpPath"));
      const port = numberOf(field(check, "port"));
      if (!httpPath?.startsWith("/") && port === undefined) {
        report(`${component.label} has no health check (healthCheck.httpPath or port)`);
      }
    }
  },
};

export const appInVpc: PlatformRule = {
  id: "compute-app-in-vpc",
  description:
    "Every App Platform app joins its region's VPC, so it reaches the database over private hosts only.",
  remediation: "Set the app's spec.vpcs to the VPC of its region (PrivateNetwork.vpcIdOf).",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, _context, report) => {
    if (records(path(args.props, ["spec", "vpcs"])).length === 0) {
      report("the app joins no VPC (spec.vpcs is empty)");
    }
  },
};

function hasDestination(alert: Json): boolean {
  const destinations = alert.destinations;
  const count = (key: string) => {
    const list: unknown = field(destinations, key);
    return Array.isArray(list) ? list.length : 0;
  };
  return count("emails") + count("slackWebhooks") > 0;
}

export const appAlerts: PlatformRule = {
  id: "compute-app-alerts",
  description:
    "Every App Platform app alerts someone on a failed deployment, and every service and worker has alerts that reach someone.",
  remediation:
    "Keep spec.alerts DEPLOYMENT_FAILED and the services' CPU, memory and restart alerts, with the platform's alert route as destinations.",
  enforcementLevel: "mandatory",
  resourceTypes: [TYPES.app],
  checkResource: (args, _context, report) => {
    const deploymentAlerts = records(path(args.props, ["spec", "alerts"])).filter(
      (alert) => alert.rule === "DEPLOYMENT_FAILED",
    );
    if (!deploymentAlerts.some(hasDestination)) {
      report("no DEPLOYMENT_FAILED alert with a destination");
    }
    for (const component of componentsOf(args.props)) {
      if (component.kind === "jobs") continue;
      if (!records(component.spec.alerts).some(hasDestination)) {
        report(`${component.label} has no alert with a destination`);
      }
    }
  },
};

export const COMPUTE_RULES: readonly PlatformRule[] = [
  imageByDigest,
  secretEnv,
  productionInstances,
  healthChecks,
  appInVpc,
  appAlerts,
];
