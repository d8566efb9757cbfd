// Sections 7 and 8: the monitors and where their alerts go, and the delivery pipeline's controls
// (who may deploy what, from where, with which cloud role). The `platform` output describes the
// monitors and what the stack writes into its deploy environment; the bootstrap project's plan of
// this commit describes the controls (environments, reviewers, roles, rulesets), which no
// deployment can change. The plans add what the outputs leave out: App Platform's app-level
// alerts, the load balancer's notification policy, each environment's protection rules and each
// role's trust policy as declared.
import type { ManifestResource } from "../plan/render.ts";
import type { PlatformFacts } from "./outputs.ts";

const T = {
  app: "digitalocean:index/app:App",
  notificationPolicy: "cloudflare:index/notificationPolicy:NotificationPolicy",
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  role: "aws:iam/role:Role",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
} as const;

type Resource = Pick<ManifestResource, "type" | "name" | "inputs">;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");
const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];

export interface MonitoringSection {
  /** The one alert route; the Slack webhook itself is a secret and is only said to be set. */
  route: { emails: string[]; slackChannel: string | null; slack: boolean };
  uptime: { url: string; alerts: string[] }[];
  /** App-level App Platform alerts (deployments, domains) per app, from the plan. */
  appAlerts: { app: string; rules: string[] }[];
  /** Per app and service: the metric alerts and the value each fires above. */
  serviceAlerts: { app: string; service: string; thresholds: Record<string, number> }[];
  loadBalancer: {
    hostname: string;
    pools: { name: string; region: string; monitor: string }[];
    /** Cloudflare notification policies of the plan: what they watch and whom they tell. */
    notifications: { name: string; alertType: string; emails: string[] }[];
  } | null;
  apm: {
    backend: string;
    endpoint: string;
    monitors: { name: string; query: string; threshold: number }[];
  } | null;
  logs: { drains: string[]; sentry: boolean };
}

function appAlertsOf(resources: readonly Resource[]): MonitoringSection["appAlerts"] {
  return resources
    .filter((resource) => resource.type === T.app)
    .map((app) => {
      const spec = isRecord(app.inputs.spec) ? app.inputs.spec : {};
      return {
        app: text(spec.name) || app.name,
        rules: list(spec.alerts)
          .filter(isRecord)
          .map((alert) => text(alert.rule)),
      };
    })
    .sort((a, b) => a.app.localeCompare(b.app));
}

function notificationsOf(resources: readonly Resource[]) {
  return resources
    .filter((resource) => resource.type === T.notificationPolicy)
    .map((policy) => {
      const mechanisms = isRecord(policy.inputs.mechanisms) ? policy.inputs.mechanisms : {};
      return {
        name: text(policy.inputs.name),
        alertType: text(policy.inputs.alertType),
        emails: list(mechanisms.emails)
          .filter(isRecord)
          .map((email) => text(email.id)),
      };
    });
}

export function monitoringSection(
  platform: PlatformFacts,
  resources: readonly Resource[],
): MonitoringSection | null {
  const { monitoring } = platform;
  if (monitoring === undefined) return null;
  const lb = platform.edge?.loadBalancer;
  return {
    route: {
      emails: monitoring.route.emails,
      slackChannel: monitoring.route.slackChannel,
      slack: platform.integrations?.slackAlerts ?? monitoring.route.slackChannel !== null,
    },
    uptime: monitoring.uptime,
    appAlerts: appAlertsOf(resources),
    serviceAlerts: (platform.apps ?? []).flatMap((app) =>
      app.services.map((service) => ({
        app: app.name,
        service: service.name,
        thresholds: service.alerts,
      })),
    ),
    loadBalancer:
      lb === undefined
        ? null
        : {
            hostname: lb.hostname,
            pools: lb.pools.map((pool) => ({
              name: pool.name,
              region: pool.region,
              monitor: `${pool.monitor.type.toUpperCase()} ${pool.monitor.path} expects ${pool.monitor.expectedCodes}`,
            })),
            notifications: notificationsOf(resources),
          },
    apm:
      monitoring.apm === null
        ? null
        : {
            backend: monitoring.apm.backend.provider,
            endpoint: monitoring.apm.endpoint,
            monitors: monitoring.apm.monitors.map(({ name, query, threshold }) => ({
              name,
              query,
              threshold,
            })),
          },
    logs: {
      drains: platform.integrations?.logDrains ?? [],
      sentry: platform.integrations?.sentry ?? false,
    },
  };
}

export interface RoleTrust {
  /** OIDC subjects the role's trust policy in the plan admits. */
  subjects: string[];
  audiences: string[];
  /** A subject matched with `StringLike`: a pattern, not one environment. */
  wildcard: boolean;
}

export interface PipelineEnvironment {
  name: string;
  /** `deploy` changes the stack; `preview` and `drift` only read it. */
  kind: string;
  deployFrom: string;
  reviewers: { users: string[]; teams: string[] };
  /** From the plan: reviewers may not approve their own runs; admins may not skip the rules. */
  preventSelfReview: boolean | null;
  adminsBypass: boolean | null;
  /** What the bootstrap writes there, then what the stack writes there (names only). */
  variables: string[];
  secrets: string[];
  awsRole: { arn: string; trusts: string };
  trustInPlan: RoleTrust | null;
}

/** What the bootstrap project declares and exports, from its plan of this commit. */
export interface BootstrapFacts {
  outputs: {
    repository: string;
    flow: string;
    environments: {
      name: string;
      kind: string;
      stack: string;
      deployFrom: string;
      reviewers: { users: string[]; teams: string[] };
      variables: string[];
      awsRole: { arn: string; trusts: string };
    }[];
    rulesets: { name: string; target: string; refs: string[]; rules: string[] }[];
    oidcProviders: { accountId: string; arn: string; created: boolean }[];
  };
  resources: readonly Resource[];
}

export interface PipelineSection {
  repository: string;
  /** `trunk` or `branches`: which refs deploy which stack. */
  flow: string;
  /** Where the controls come from: the bootstrap project, which no workflow runs. */
  declaredBy: string;
  oidcProvider: { arn: string; created: boolean } | null;
  environments: PipelineEnvironment[];
  /** The repository's rulesets, each rule as `path value` (plan). */
  rulesetsInPlan: { name: string; target: string; enforcement: string; rules: string[] }[];
}

/**
 * A ruleset's `rules` as `path value` lines: `deletion`, `pullRequest.requiredApprovingReviewCount
 * 1`. Rules switched off are left out; lists are counted (their checks are listed above).
 */
function ruleLines(rules: unknown, prefix = ""): string[] {
  if (!isRecord(rules)) return [];
  return Object.entries(rules).flatMap(([key, value]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (value === true) return [path];
    if (typeof value === "number" || typeof value === "string") return [`${path} ${value}`];
    if (Array.isArray(value)) return [`${path} (${value.length})`];
    return ruleLines(value, path);
  });
}

const OIDC = "token.actions.githubusercontent.com";

function trustOf(resources: readonly Resource[], roleArn: string): RoleTrust | null {
  const roleName = roleArn.split("/").at(-1) ?? "";
  const role = resources.find((r) => r.type === T.role && text(r.inputs.name) === roleName);
  if (role === undefined) return null;
  let document: unknown;
  try {
    document = JSON.parse(text(role.inputs.assumeRolePolicy));
  } catch {
    return null;
  }
  const statements = isRecord(document) ? list(document.Statement).filter(isRecord) : [];
  const trust: RoleTrust = { subjects: [], audiences: [], wildcard: false };
  for (const statement of statements) {
    if (text(statement.Effect) !== "Allow" || !isRecord(statement.Condition)) continue;
    for (const [operator, tests] of Object.entries(statement.Condition)) {
      if (!isRecord(tests)) continue;
      const subjects = list(tests[`${OIDC}:sub`]).map(text);
      trust.subjects.push(...subjects);
      trust.audiences.push(...list(tests[`${OIDC}:aud`]).map(text));
      if (subjects.length > 0 && operator.startsWith("StringLike")) trust.wildcard = true;
    }
  }
  return trust;
}

export function pipelineSection(
  platform: PlatformFacts,
  bootstrap: BootstrapFacts,
): PipelineSection | null {
  const { delivery } = platform;
  if (delivery === undefined) return null;
  const { outputs, resources } = bootstrap;
  const environments = outputs.environments.filter(
    (environment) => environment.stack === platform.environment,
  );
  const account = /^arn:aws:iam::(\d{12}):/.exec(environments[0]?.awsRole.arn ?? "")?.[1];
  const provider = outputs.oidcProviders.find((candidate) => candidate.accountId === account);
  return {
    repository: outputs.repository,
    flow: outputs.flow,
    declaredBy:
      "the bootstrap project (bootstrap/), applied by an administrator; no workflow runs it",
    oidcProvider: provider === undefined ? null : { arn: provider.arn, created: provider.created },
    environments: environments.map((environment) => {
      const declared = resources.find(
        (r) => r.type === T.environment && text(r.inputs.environment) === environment.name,
      );
      const flag = (key: string) => {
        const value = declared?.inputs[key];
        return typeof value === "boolean" ? value : null;
      };
      const written = delivery.environment === environment.name;
      return {
        name: environment.name,
        kind: environment.kind,
        deployFrom: environment.deployFrom,
        reviewers: environment.reviewers,
        preventSelfReview: flag("preventSelfReview"),
        adminsBypass: flag("canAdminsBypass"),
        variables: [...environment.variables, ...(written ? delivery.variables : [])],
        secrets: written ? delivery.secrets : [],
        awsRole: environment.awsRole,
        trustInPlan: trustOf(resources, environment.awsRole.arn),
      };
    }),
    rulesetsInPlan: resources
      .filter((resource) => resource.type === T.ruleset)
      .map((ruleset) => ({
        name: text(ruleset.inputs.name),
        target: text(ruleset.inputs.target),
        enforcement: text(ruleset.inputs.enforcement),
        rules: ruleLines(ruleset.inputs.rules),
      })),
  };
}
