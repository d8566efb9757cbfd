// Sections 7 and 8: the monitors and where their alerts go, and the delivery pipeline's controls
// (who may deploy what, from where, with which cloud role). The `platform` output describes the
// monitors and what the stack writes into its deploy environment; the bootstrap project's plan of
// this commit describes the controls (environments, reviewers, roles, rulesets), which no
// deployment can change. The plans add what the outputs leave out: App Platform's app-level
// alerts, the load balancer's notification policy, each environment's protection rules and each
// role's trust policy as declared.
import { TYPES } from "../../policy/types.ts";
import { field, isRecord, records } from "../../policy/values.ts";
import type { BootstrapOutputs } from "../../bootstrap/outputs.ts";
import type { Plain, PlatformFacts } from "./outputs.ts";
import { ofType, type Resource, statements, str } from "./plan.ts";

export function monitoringSection(platform: PlatformFacts, resources: readonly Resource[]) {
  const { monitoring } = platform;
  if (monitoring === undefined) return null;
  const lb = platform.edge?.loadBalancer;
  return {
    /** The one alert route; the Slack webhook itself is a secret and is only said to be set. */
    route: {
      ...monitoring.route,
      slack: platform.integrations?.slackAlerts ?? monitoring.route.slackChannel !== null,
    },
    uptime: monitoring.uptime,
    /** App-level App Platform alerts (deployments, domains) per app, from the plan. */
    appAlerts: ofType(resources, TYPES.app)
      .map((app) => ({
        app: str(field(app.inputs.spec, "name")) || app.name,
        rules: records(field(app.inputs.spec, "alerts")).map((alert) => str(alert.rule)),
      }))
      .sort((a, b) => a.app.localeCompare(b.app)),
    /** Per app and service: the metric alerts and the value each fires above. */
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
            pools: lb.pools.map(({ name, region, monitor }) => ({
              name,
              region,
              monitor: `${monitor.type.toUpperCase()} ${monitor.path} expects ${monitor.expectedCodes}`,
            })),
            /** Cloudflare notification policies of the plan: what they watch and whom they tell. */
            notifications: ofType(resources, TYPES.notificationPolicy).map(({ inputs }) => ({
              name: str(inputs.name),
              alertType: str(inputs.alertType),
              emails: records(field(inputs.mechanisms, "emails")).map((email) => str(email.id)),
            })),
          },
    apm: monitoring.apm,
    logs: {
      drains: platform.integrations?.logDrains ?? [],
      sentry: platform.integrations?.sentry ?? false,
    },
  };
}

/** The bootstrap project's plan of this commit: what it exports and what it declares. */
export interface BootstrapFacts {
  outputs: Plain<BootstrapOutputs>;
  resources: readonly Resource[];
  /** What its plan made up (GitHub's ids, say). */
  simulated: readonly string[];
}

/**
 * A ruleset's `rules` as `path value` lines: `deletion`, `pullRequest.requiredApprovingReviewCount
 * 1`. Rules switched off are left out; lists are counted (their checks are listed above).
 */
function ruleLines(rules: unknown, prefix = ""): string[] {
  return Object.entries(isRecord(rules) ? rules : {}).flatMap(([key, value]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (value === true) return [path];
    if (typeof value === "number" || typeof value === "string") return [`${path} ${value}`];
    if (Array.isArray(value)) return [`${path} (${value.length})`];
    return ruleLines(value, path);
  });
}

const OIDC = "token.actions.githubusercontent.com";

/**
 * The OIDC subjects and audiences the role's trust policy in the plan admits; `wildcard` when a
 * subject is matched with `StringLike`: a pattern, not one environment.
 */
function trustOf(resources: readonly Resource[], roleArn: string) {
  const roleName = roleArn.split("/").at(-1);
  const role = ofType(resources, TYPES.role).find((r) => r.inputs.name === roleName);
  if (role === undefined) return null;
  const trust = { subjects: [] as string[], audiences: [] as string[], wildcard: false };
  for (const statement of statements(role.inputs.assumeRolePolicy)) {
    if (statement.effect !== "Allow") continue;
    for (const [operator, tests] of Object.entries(statement.condition ?? {})) {
      const claim = (name: string) => [field(tests, `${OIDC}:${name}`) ?? []].flat().map(str);
      const subjects = claim("sub");
      trust.subjects.push(...subjects);
      trust.audiences.push(...claim("aud"));
      if (subjects.length > 0 && operator.startsWith("StringLike")) trust.wildcard = true;
    }
  }
  return trust;
}

export function pipelineSection(platform: PlatformFacts, bootstrap: BootstrapFacts) {
  const { delivery } = platform;
  if (delivery === undefined) return null;
  const { outputs, resources } = bootstrap;
  const environments = outputs.environments.filter((e) => e.stack === platform.environment);
  const account = /^arn:aws:iam::(\d{12}):/.exec(environments[0]?.awsRole.arn ?? "")?.[1];
  const provider = outputs.oidcProviders.find((candidate) => candidate.accountId === account);
  return {
    repository: outputs.repository,
    /** `trunk` or `branches`: which refs deploy which stack. */
    flow: outputs.flow,
    declaredBy:
      "the bootstrap project (bootstrap/), applied by an administrator; no workflow runs it",
    oidcProvider: provider === undefined ? null : { arn: provider.arn, created: provider.created },
    environments: environments.map((environment) => {
      const declared = ofType(resources, TYPES.environment).find(
        (r) => r.inputs.environment === environment.name,
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
        /** From the plan: reviewers may not approve their own runs; admins may not skip the rules. */
        preventSelfReview: flag("preventSelfReview"),
        adminsBypass: flag("canAdminsBypass"),
        /** What the bootstrap writes there, then what the stack writes there (names only). */
        variables: [...environment.variables, ...(written ? delivery.variables : [])],
        secrets: written ? delivery.secrets : [],
        awsRole: environment.awsRole,
        trustInPlan: trustOf(resources, environment.awsRole.arn),
      };
    }),
    /** The repository's rulesets, each rule as `path value` (plan). */
    rulesetsInPlan: ofType(resources, TYPES.repositoryRuleset).map(({ inputs }) => ({
      name: str(inputs.name),
      target: str(inputs.target),
      enforcement: str(inputs.enforcement),
      rules: ruleLines(inputs.rules),
    })),
  };
}
