// The pack over both stacks' offline plans and the bootstrap's, as a preview sees them: the
// manifest's inputs, with every secret leaf masked as `[secret]` (the plans of the test run:
// test/support/plans.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { BOOTSTRAP_PROJECT } from "../../policy/context.ts";
import { evaluatePlan } from "../../policy/evaluate.ts";
import type { PlanResource } from "../../policy/engine-args.ts";
import {
  WIDEST_IPV4_PREFIX as PACK_IPV4,
  WIDEST_IPV6_PREFIX as PACK_IPV6,
} from "../../policy/rules/data.ts";
import {
  WIDEST_IPV4_PREFIX as PROGRAM_IPV4,
  WIDEST_IPV6_PREFIX as PROGRAM_IPV6,
} from "../../infra/data/trusted-sources.ts";
import { BOOTSTRAP_STACK } from "../../tools/mock/run-stack.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { planned } from "../support/plans.ts";

let production: Manifest;
let staging: Manifest;
let bootstrap: Manifest;

beforeAll(async () => {
  const plans = await Promise.all([
    planned("staging"),
    planned(BOOTSTRAP_STACK),
    planned("production"),
  ]);
  for (const { run } of plans) expect(run.errors).toEqual([]);
  [staging, bootstrap, production] = plans.map(({ manifest }) => manifest) as [
    Manifest,
    Manifest,
    Manifest,
  ];
});

const nameOf = (urn: string | undefined) => urn?.split("::").pop() ?? "(stack)";

/** `rule: message (resource)` of every violation of the given level. */
function violations(
  stack: string,
  resources: readonly PlanResource[],
  level: "mandatory" | "advisory",
  project?: string,
): string[] {
  return evaluatePlan(stack, resources, project)
    .filter((result) => result.enforcementLevel === level)
    .flatMap((result) =>
      result.violations.map(
        (violation) => `${result.id}: ${violation.message} (${nameOf(violation.resource)})`,
      ),
    );
}

describe.each(["staging", "production"])("the pack over the %s plan", (stack) => {
  const plan = () => (stack === "staging" ? staging : production);

  it("sees what a preview sees: the database URLs masked", () => {
    const apps = plan().resources.filter((resource) => resource.type.endsWith("/app:App"));
    expect(apps.length).toBeGreaterThan(0);
    for (const resource of apps) {
      expect(JSON.stringify(resource.inputs)).toContain(
        '"key":"DATABASE_URL","scope":"RUN_TIME","type":"SECRET","value":"[secret]"',
      );
    }
  });

  it("has no mandatory violation", () => {
    expect(violations(stack, plan().resources, "mandatory")).toEqual([]);
  });

  it("has no advisory violation either: the CI roles and their grants are the bootstrap's", () => {
    expect(violations(stack, plan().resources, "advisory")).toEqual([]);
  });

  it("returns every rule, each with its metadata", () => {
    const results = evaluatePlan(stack, plan().resources);
    expect(results.length).toBeGreaterThanOrEqual(25);
    for (const result of results) {
      expect(result).toMatchObject({
        id: expect.any(String) as unknown,
        description: expect.any(String) as unknown,
        remediation: expect.any(String) as unknown,
      });
    }
  });
});

describe("the pack over the bootstrap plan", () => {
  const bootstrapViolations = (
    resources: readonly PlanResource[],
    level: "mandatory" | "advisory",
  ) => violations(BOOTSTRAP_STACK, resources, level, BOOTSTRAP_PROJECT);

  it("has no mandatory violation", () => {
    expect(bootstrapViolations(bootstrap.resources, "mandatory")).toEqual([]);
  });

  it("lists each advisory violation, with the rule's reason", () => {
    expect(bootstrapViolations(bootstrap.resources, "advisory").sort()).toEqual(
      ["staging", "production"]
        .flatMap((stack) => [
          `iam-prefix-wildcard-actions: policy statement ManageBuckets allows s3:GetBucket*, s3:PutBucket* (ci-${stack}-deploy-policy)`,
          `iam-prefix-wildcard-actions: policy statement ReadBuckets allows s3:GetBucket* (ci-${stack}-drift-policy)`,
          `iam-prefix-wildcard-actions: policy statement ReadBuckets allows s3:GetBucket* (ci-${stack}-preview-policy)`,
        ])
        .sort((a, b) => a.localeCompare(b)),
    );
    const [rule] = evaluatePlan(BOOTSTRAP_STACK, bootstrap.resources, BOOTSTRAP_PROJECT).filter(
      (result) => result.violations.length > 0,
    );
    expect(rule?.advisoryReason).toMatch(/^A prefix wildcard stays inside one service/);
  });

  it("finds the escalation paths of the CI policies this repository used to grant", () => {
    // The deploy role's grants before the bootstrap project: role and policy writes on the
    // stack's own role prefix, which its own name matches, and the OIDC provider.
    const before = bootstrap.resources.map((resource) =>
      resource.name === "ci-staging-deploy-policy"
        ? {
            ...resource,
            inputs: {
              ...resource.inputs,
              policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  {
                    Sid: "ManageCiRoles",
                    Effect: "Allow",
                    Action: [
                      "iam:GetRole",
                      "iam:CreateRole",
                      "iam:PutRolePolicy",
                      "iam:UpdateAssumeRolePolicy",
                    ],
                    Resource: ["arn:aws:iam::111111111111:role/platform-staging-*"],
                  },
                  {
                    Sid: "ManageOidcProvider",
                    Effect: "Allow",
                    Action: [
                      "iam:GetOpenIDConnectProvider",
                      "iam:UpdateOpenIDConnectProviderThumbprint",
                    ],
                    Resource: [
                      "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
                    ],
                  },
                ],
              }),
            },
          }
        : resource,
    );
    const found = bootstrapViolations(before, "mandatory");
    expect(found).toEqual(
      expect.arrayContaining([
        "iam-ci-no-privilege-escalation: CI role platform-staging-deploy: statement ManageCiRoles allows iam:CreateRole, iam:PutRolePolicy, iam:UpdateAssumeRolePolicy on arn:aws:iam::111111111111:role/platform-staging-*, which matches arn:aws:iam::111111111111:role/platform-staging-deploy (ci-staging-deploy-policy)",
        "iam-ci-no-privilege-escalation: CI role platform-staging-deploy: statement ManageCiRoles allows iam:CreateRole, iam:PutRolePolicy, iam:UpdateAssumeRolePolicy without an iam:PermissionsBoundary condition (ci-staging-deploy-policy)",
        "iam-ci-no-privilege-escalation: CI role platform-staging-deploy: statement ManageOidcProvider allows iam:UpdateOpenIDConnectProviderThumbprint on arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com, which matches arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com (ci-staging-deploy-policy)",
      ]),
    );
  });

  it.each([
    ["protected-branches-ruleset", "delivery-default-branch-ruleset"],
    ["release-tags-ruleset", "delivery-release-tags-protected"],
  ])("without %s: %s fails", (name, rule) => {
    const resources = bootstrap.resources.filter((resource) => resource.name !== name);
    expect(resources).toHaveLength(bootstrap.resources.length - 1);
    expect(
      evaluatePlan(BOOTSTRAP_STACK, resources, BOOTSTRAP_PROJECT)
        .filter((result) => result.enforcementLevel === "mandatory" && result.violations.length > 0)
        .map((result) => result.id),
    ).toEqual([rule]);
  });
});

describe("across the projects", () => {
  it("keeps every trust decision in the bootstrap: the platform's plans hold none", () => {
    const trust = [
      "github:index/repositoryEnvironment:RepositoryEnvironment",
      "github:index/repositoryRuleset:RepositoryRuleset",
      "aws:iam/role:Role",
      "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    ];
    for (const plan of [staging, production]) {
      expect(plan.resources.filter((resource) => trust.includes(resource.type))).toEqual([]);
    }
    for (const type of trust) {
      expect(
        bootstrap.resources.some((resource) => resource.type === type),
        type,
      ).toBe(true);
    }
  });

  it("keeps the program's trusted ranges at least as narrow as the pack allows", () => {
    expect(PROGRAM_IPV4).toBeGreaterThanOrEqual(PACK_IPV4);
    expect(PROGRAM_IPV6).toBeGreaterThanOrEqual(PACK_IPV6);
  });
});

/** The production plan with one resource changed or removed. */
function productionWith(name: string, change?: (resource: PlanResource) => PlanResource) {
  if (!production.resources.some((resource) => resource.name === name)) {
    throw new Error(`the production plan has no ${name}`);
  }
  return production.resources.flatMap((resource) => {
    if (resource.name !== name) return [resource];
    return change === undefined ? [] : [change(resource)];
  });
}

const failingRules = (resources: readonly PlanResource[]) =>
  evaluatePlan("production", resources)
    .filter((result) => result.enforcementLevel === "mandatory" && result.violations.length > 0)
    .map((result) => result.id);

describe("removing one control from the production plan fails the rule that names it", () => {
  it("the TLS-only deny, out of the asset bucket's policy: storage-tls-only", () => {
    const resources = productionWith("assets-policy", (resource) => {
      const document = JSON.parse(String(resource.inputs.policy)) as {
        Statement: { Sid: string }[];
      };
      const statements = document.Statement.filter(
        (statement) => statement.Sid !== "DenyInsecureTransport",
      );
      expect(statements).toHaveLength(document.Statement.length - 1);
      return {
        ...resource,
        inputs: {
          ...resource.inputs,
          policy: JSON.stringify({ ...document, Statement: statements }),
        },
      };
    });
    expect(violations("production", resources, "mandatory")).toEqual([
      "storage-tls-only: no statement denies requests without TLS (aws:SecureTransport false) (assets-policy)",
    ]);
  });

  it.each([
    ["assets-public-access-block", "storage-public-access-blocked"],
    ["assets-ownership", "storage-bucket-owner-enforced"],
    ["assets-encryption", "storage-encrypted"],
    ["assets-versioning", "storage-versioning-enabled"],
    ["assets-lifecycle", "storage-lifecycle"],
    ["assets-logging", "storage-access-logging"],
    ["assets-policy", "storage-tls-only"],
    ["database-firewall-replica-ams3", "data-firewall-every-database"],
    ["database-replica-ams3", "data-production-replica"],
    ["zone-ssl", "edge-ssl-strict"],
    ["zone-security-header", "edge-hsts-production"],
    ["edge-rules-waf", "edge-managed-waf"],
    ["edge-rules-rate-limit", "edge-rate-limit"],
    ["edge-rules-origin-lock", "edge-origin-lock-header"],
    ["uptime-assets-check", "monitoring-uptime-public-hosts"],
    ["uptime-web-down", "monitoring-uptime-alerts"],
  ])("%s: %s", (name, rule) => {
    expect(failingRules(productionWith(name))).toEqual([rule]);
  });

  it.each([
    ["database-cluster", "protect", "stateful-protected"],
    ["database-cluster", "retainOnDelete", "stateful-retained"],
  ] as const)("%s without %s: %s", (name, option, rule) => {
    expect(
      failingRules(productionWith(name, (resource) => ({ ...resource, [option]: false }))),
    ).toEqual([rule]);
  });
});
