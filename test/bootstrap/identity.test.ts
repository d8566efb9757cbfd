// The bootstrap's AWS tier as a function, under the mock runtime, for layouts the example stack
// files do not have: two stacks in one account (one OIDC provider, trusted by both), a stack on
// Pulumi Cloud (no backend, no state grants), and an account whose provider other tooling made.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { github } from "../../infra/sdk/github.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { validateBootstrapConfig } from "../../bootstrap/config.ts";
import {
  buildIdentity,
  ENVIRONMENT_KINDS,
  repositoryOnGitHub,
  rolePrefix,
} from "../../bootstrap/identity.ts";
import { type PlatformStack, readPlatformStacks } from "../../bootstrap/platform-stacks.ts";
import { adminPolicies } from "../../tools/admin-policy/policy.ts";
import { runProgram, type ProgramRun } from "../../tools/mock/run-program.ts";
import { REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";
import { resourceNamed, resourcesOfType } from "../support/program.ts";

const stack = (environment: "staging" | "production"): PlatformStack => ({
  environment,
  project: "platform",
  accountId: "333333333333",
  region: "eu-west-1",
  buckets: [`assets.${environment}.example.com`, `assets.${environment}.example.com-logs`],
  objects: [`assets.${environment}.example.com/healthz.txt`],
});

let run: ProgramRun;
let backends: (string | undefined)[] = [];

beforeAll(async () => {
  const result = validateBootstrapConfig({
    github: JSON.stringify({ owner: "acme", repository: "platform", releaseTeam: "release" }),
    environments: JSON.stringify({
      staging: { existingOidcProvider: true, awsProfile: "acme-admin" },
      production: {
        reviewers: { teams: ["leads"] },
        previewReviewers: { teams: ["leads"] },
        stateBucket: "acme-state",
      },
    }),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  run = await runProgram({
    project: "platform-bootstrap",
    stack: "identity",
    config: {},
    secretKeys: [],
    program: () => {
      const provider = new github.Provider("github", { owner: "acme" });
      const identities = buildIdentity(
        result.config,
        [stack("staging"), stack("production")],
        repositoryOnGitHub(result.config, provider),
        provider,
      );
      backends = identities.map((identity) => identity.backend?.url);
      return Promise.resolve({});
    },
  });
}, 30_000);

describe("two stacks in one AWS account", () => {
  it("share the account's one OIDC provider, found rather than created when told so", () => {
    expect(run.errors).toEqual([]);
    expect(resourcesOfType(run, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")).toEqual([]);
    const trusted = resourcesOfType(run, "aws:iam/role:Role").map(
      (role) =>
        (
          JSON.parse(String(role.inputs.assumeRolePolicy)) as {
            Statement: { Principal: { Federated: string } }[];
          }
        ).Statement[0]?.Principal.Federated,
    );
    expect(new Set(trusted)).toEqual(
      new Set(["arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com"]),
    );
  });

  it("run each stack's provider with its own profile, if one is named", () => {
    const providers = resourcesOfType(run, "pulumi:providers:aws");
    expect(
      Object.fromEntries(providers.map(({ name, inputs }) => [name, inputs.profile ?? null])),
    ).toEqual({ "aws-staging": "acme-admin", "aws-production": null });
  });

  it("give a stack on Pulumi Cloud no backend, and its roles no state or key", () => {
    expect(backends).toEqual([undefined, "s3://acme-state?region=eu-west-1"]);
    const policy = JSON.parse(
      String(
        resourceNamed(run, "aws:iam/rolePolicy:RolePolicy", "ci-staging-deploy-policy").inputs
          .policy,
      ),
    ) as { Statement: { Sid: string }[] };
    expect(policy.Statement.map(({ Sid }) => Sid)).toEqual(["ManageBuckets", "ManageOwnObjects"]);
  });
});

describe("the administrator's policy for two stacks in one AWS account", () => {
  it("is one policy covering both stacks' roles and the one backend, and no OIDC provider it adopts", () => {
    const { accounts } = adminPolicies(run);
    expect(accounts.map(({ accountId, providers }) => ({ accountId, providers }))).toEqual([
      { accountId: "333333333333", providers: ["aws-production", "aws-staging"] },
    ]);
    const statements = accounts.flatMap(({ documents }) =>
      documents.flatMap(({ Statement }) => Statement),
    );
    const on = (service: string) =>
      new Set(
        statements
          .filter(({ Action }) => Action.some((action) => action.startsWith(`${service}:`)))
          .flatMap(({ Resource }) => Resource),
      );
    expect(on("iam")).toEqual(
      new Set(
        ["staging", "production"].flatMap((environment) =>
          ENVIRONMENT_KINDS.map(
            (kind) => `arn:aws:iam::333333333333:role/${rolePrefix(environment)}${kind}`,
          ),
        ),
      ),
    );
    expect(on("s3")).toEqual(new Set(["arn:aws:s3:::acme-state", "arn:aws:s3:::acme-state-logs"]));
    expect(statements.flatMap(({ Action }) => Action)).not.toContain(
      "iam:CreateOpenIDConnectProvider",
    );
  });
});

describe("the platform's stack files, read by the bootstrap", () => {
  it("are refused when invalid, naming the file and the command that shows the same", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "platform-"));
    for (const environment of ["staging", "production"]) {
      const text = await readFile(path.join(REPOSITORY_ROOT, `Pulumi.${environment}.yaml`), "utf8");
      await writeFile(
        path.join(root, `Pulumi.${environment}.yaml`),
        environment === "production" ? text.replace("primary: fra1", "primary: fra9") : text,
      );
    }
    await expect(readPlatformStacks(pathToFileURL(`${root}/`))).rejects.toThrow(
      /Pulumi\.production\.yaml is not valid yet; fix it first \(pnpm plan production shows the same\):\nStack "production" has 1 config problem/,
    );
  });
});
