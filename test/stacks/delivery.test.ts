// The delivery tier under the mock runtime: the environments and what they admit, the variables
// written from stack outputs, the trust of each CI role, the ruleset read from the workflows, and
// one owner for every shared resource across the two stacks.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { requiredChecks } from "../../infra/delivery/required-checks.ts";
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { offlineRepositoryIds } from "../../tools/mock/provider-outputs.ts";
import { fakeSecret, runStack, stackFilePath } from "../../tools/mock/run-stack.ts";
import { stackConfigFromYaml } from "../../tools/mock/stack-file.ts";
import { type Manifest, manifestOf } from "../../tools/plan/render.ts";
import { runStackInChild } from "../support/child-run.ts";
import { resourceNamed, resourcesOfType } from "../support/program.ts";
import { collisions } from "../support/physical-identity.ts";

const T = {
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  policy:
    "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  secret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  githubProvider: "pulumi:providers:github",
} as const;

let production: ProgramRun;
let staging: Manifest;
let stagingRun: Awaited<ReturnType<typeof runStackInChild>>;

beforeAll(async () => {
  [production, stagingRun] = await Promise.all([
    runStack("production"),
    runStackInChild("staging"),
  ]);
  staging = JSON.parse(stagingRun.manifest) as Manifest;
});

const stagingResource = (type: string, name: string) => {
  const found = staging.resources.find((r) => r.type === type && r.name === name);
  if (found === undefined) throw new Error(`staging has no ${type} ${name}`);
  return found;
};

function variablesOf(run: ProgramRun, component: string): Record<string, unknown> {
  return Object.fromEntries(
    resourcesOfType(run, T.variable)
      .filter((variable) => variable.name.startsWith(`${component}-var-`))
      .map((variable): [string, unknown] => [
        String(variable.inputs.variableName),
        variable.inputs.value,
      ]),
  );
}

interface TrustPolicy {
  Statement: {
    Effect: string;
    Principal: { Federated: string };
    Action: string;
    Condition: Record<string, Record<string, string>>;
  }[];
}

const trustOf = (role: RecordedResource) =>
  JSON.parse(String(role.inputs.assumeRolePolicy)) as TrustPolicy;

describe("production's GitHub environments", () => {
  it("admits only release tags v* to production, after a team's approval that no one gives themselves", () => {
    const environment = resourceNamed(production, T.environment, "pipeline-deploy-environment");
    expect(environment.inputs).toMatchObject({
      repository: "platform",
      environment: "production",
      preventSelfReview: true,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      reviewers: [{ users: [], teams: [expect.any(Number)] }],
    });
    const policy = resourceNamed(production, T.policy, "pipeline-deploy-deploy-from");
    expect(policy.inputs).toEqual({
      repository: "platform",
      environment: "production",
      tagPattern: "v*",
    });
  });

  it("writes what the pipelines need from the stack into the environment, the origin secret as a secret", () => {
    const role = resourceNamed(production, T.role, "ci-deploy-role");
    expect(variablesOf(production, "pipeline-deploy")).toEqual({
      AWS_REGION: "eu-central-1",
      PULUMI_STACK: "production",
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/platform-production-deploy",
      APP_URL: "https://app.example.com",
      ORIGIN_HOSTS: expect.stringMatching(
        /^platform-production-fra-\w+\.ondigitalocean\.app,platform-production-ams-\w+\.ondigitalocean\.app$/,
      ) as unknown,
      REGISTRY_ENDPOINT: "registry.digitalocean.com/acme-platform",
    });
    expect(role.inputs.name).toBe("platform-production-deploy");
    const secret = resourceNamed(production, T.secret, "pipeline-deploy-secret-origin_lock_secret");
    expect(secret.secretInputs).toEqual(["value"]);
    expect(secret.inputs.secretName).toBe("ORIGIN_LOCK_SECRET");
  });

  it("gives the read-only preview environment no deployment policy, no reviewers and the preview role", () => {
    const environment = resourceNamed(production, T.environment, "pipeline-preview-environment");
    expect(environment.inputs.environment).toBe("production-preview");
    expect(environment.inputs.deploymentBranchPolicy).toBeUndefined();
    expect(environment.inputs.reviewers).toBeUndefined();
    expect(variablesOf(production, "pipeline-preview")).toEqual({
      AWS_REGION: "eu-central-1",
      PULUMI_STACK: "production",
      AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/platform-production-preview",
    });
  });

  it("manages the configured owner's repository, whatever account the token belongs to", () => {
    const [provider] = resourcesOfType(production, T.githubProvider);
    expect(provider?.inputs.owner).toBe("acme");
  });
});

describe("keyless AWS access from CI", () => {
  // The repository's tokens carry immutable ids (platform:github.oidcSubject defaults to it), which
  // the stack reads from GitHub: the offline GitHub answers with these.
  const ids = offlineRepositoryIds("acme", "platform");
  const immutablePrefix = `repo:acme@${String(ids.ownerId)}/platform@${String(ids.repositoryId)}`;

  it.each([
    ["ci-deploy-role", "production"],
    ["ci-preview-role", "production-preview"],
  ])(
    "%s trusts only GitHub's tokens for STS from acme/platform environment %s",
    (name, environment) => {
      const [statement, ...others] = trustOf(resourceNamed(production, T.role, name)).Statement;
      expect(others).toEqual([]);
      expect(statement).toEqual({
        Sid: "GitHubActionsEnvironment",
        Effect: "Allow",
        Principal: {
          Federated: "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": `${immutablePrefix}:environment:${environment}`,
          },
        },
      });
    },
  );

  it("trusts the names-only subject of a repository older than immutable claims, when told so", async () => {
    const file = stackConfigFromYaml(
      await readFile(stackFilePath("production"), "utf8"),
      "platform",
      fakeSecret,
    );
    const github = JSON.parse(file.values["platform:github"] ?? "{}") as object;
    // In a process of its own: the mock runtime holds one program at a time.
    const run = await runStackInChild("production", {
      configOverrides: {
        "platform:github": JSON.stringify({ ...github, oidcSubject: "names" }),
      },
    });
    expect(run.errors).toEqual([]);
    const role = (JSON.parse(run.manifest) as Manifest).resources.find(
      (resource) => resource.type === T.role && resource.name === "ci-deploy-role",
    );
    const trust = JSON.parse(String(role?.inputs.assumeRolePolicy)) as TrustPolicy;
    expect(trust.Statement[0]?.Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:acme/platform:environment:production",
      },
    });
  });

  it("lets each role act only on what the stack manages, by name, never with a bare wildcard", () => {
    for (const name of ["ci-deploy-policy", "ci-preview-policy"]) {
      const policy = JSON.parse(
        String(resourceNamed(production, T.rolePolicy, name).inputs.policy),
      ) as { Statement: { Action: string[]; Resource: string[] }[] };
      for (const statement of policy.Statement) {
        for (const action of statement.Action) expect(action).not.toMatch(/^(\*|[a-z0-9]+:\*)$/);
        for (const resource of statement.Resource) {
          expect(resource).toMatch(
            /^arn:aws:(s3:::assets\.example\.com(-logs|\/healthz\.txt)?|iam::123456789012:(role\/platform-production-\*|oidc-provider\/token\.actions\.githubusercontent\.com))$/,
          );
        }
      }
    }
  });

  it("lets the deployment role write the one object the stack owns, and no other", () => {
    const policy = JSON.parse(
      String(resourceNamed(production, T.rolePolicy, "ci-deploy-policy").inputs.policy),
    ) as { Statement: { Sid: string; Action: string[]; Resource: string[] }[] };
    const objectStatements = policy.Statement.filter((statement) =>
      statement.Resource.some((resource) => resource.includes("/")),
    ).filter((statement) =>
      statement.Resource.some((resource) => resource.startsWith("arn:aws:s3")),
    );
    expect(objectStatements).toEqual([
      expect.objectContaining({
        Sid: "ManageOwnObjects",
        Resource: ["arn:aws:s3:::assets.example.com/healthz.txt"],
      }),
    ]);
  });

  it("gives the preview role no action that changes anything", () => {
    const policy = JSON.parse(
      String(resourceNamed(production, T.rolePolicy, "ci-preview-policy").inputs.policy),
    ) as { Statement: { Action: string[] }[] };
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^(s3|iam):(Get|List)/);
  });

  it("trusts the OIDC provider staging owns instead of creating a second one", () => {
    expect(resourcesOfType(production, T.oidc)).toEqual([]);
    const provider = stagingResource(T.oidc, "github-oidc-provider");
    expect(provider).toMatchObject({ protect: true, retainOnDelete: true });
    expect(provider.inputs).toEqual({
      url: "https://token.actions.githubusercontent.com",
      clientIdLists: ["sts.amazonaws.com"],
    });
  });
});

describe("the default branch's ruleset", () => {
  it("is staging's: one per repository, protected and kept if the stack goes", () => {
    expect(resourcesOfType(production, T.ruleset)).toEqual([]);
    const ruleset = stagingResource(T.ruleset, "default-branch-ruleset");
    expect(ruleset).toMatchObject({ protect: true, retainOnDelete: true });
    expect(ruleset.inputs).toMatchObject({
      repository: "platform",
      name: "default-branch",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
      rules: {
        deletion: true,
        nonFastForward: true,
        pullRequest: { requiredApprovingReviewCount: 1, dismissStaleReviewsOnPush: true },
        requiredStatusChecks: { strictRequiredStatusChecksPolicy: true },
      },
    });
  });

  it("requires exactly the checks workflow's jobs, each from GitHub Actions", () => {
    const ruleset = stagingResource(T.ruleset, "default-branch-ruleset");
    const required = (
      ruleset.inputs.rules as {
        requiredStatusChecks: { requiredChecks: { context: string; integrationId: number }[] };
      }
    ).requiredStatusChecks.requiredChecks;
    expect(required).toEqual(
      requiredChecks().map((context) => ({ context, integrationId: 15368 })),
    );
    expect(required.length).toBeGreaterThanOrEqual(5);
  });
});

describe("shared resources across the two stacks", () => {
  it("are created by exactly one of them", () => {
    expect(stagingRun.errors).toEqual([]);
    expect(collisions(manifestOf("production", production).resources, staging.resources)).toEqual(
      [],
    );
  });

  it("collide when both stacks claim them (the check can fail)", async () => {
    const claiming = await runStackInChild("production", {
      configOverrides: {
        "platform:github": JSON.stringify({
          owner: "acme",
          repository: "platform",
          defaultBranch: "main",
          deployFrom: "tag:v*",
          reviewers: { teams: ["platform-leads"] },
          requiredReviews: 1,
          owns: { ruleset: true, oidcProvider: true },
        }),
      },
    });
    expect(claiming.errors).toEqual([]);
    const manifest = JSON.parse(claiming.manifest) as Manifest;
    expect(collisions(manifest.resources, staging.resources)).toEqual([
      "oidc provider https://token.actions.githubusercontent.com",
      "platform ruleset default-branch",
    ]);
  });
});
