// `pnpm admin-policy`: the administrator's IAM policy per AWS account, derived from the
// bootstrap's planned run (the shared fixture of test/global-setup.ts) and checked against what
// the config and the platform's stack files name, independently of the policy's own code.
import { execFile } from "node:child_process";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { BOOTSTRAP_NAMESPACE, validateBootstrapConfig } from "../../bootstrap/config.ts";
import { ENVIRONMENT_KINDS, rolePrefix } from "../../bootstrap/identity.ts";
import { type PlatformStack, readPlatformStacks } from "../../bootstrap/platform-stacks.ts";
import { oidcProviderArn } from "../../infra/delivery/github-oidc.ts";
import { readStackFile } from "../../stacks/config/stack-file.ts";
import { FUNCTION_ACTIONS, RESOURCE_ACTIONS } from "../../tools/admin-policy/actions.ts";
import {
  AdminPolicyError,
  adminPolicies,
  type AdminPolicies,
  MANAGED_POLICY_LIMIT,
  packDocuments,
  type PolicyStatement,
  policySize,
} from "../../tools/admin-policy/policy.ts";
import { adminPolicyReport, renderAdminPolicyText } from "../../tools/admin-policy/render.ts";
import type { ProgramRun, RecordedResource } from "../../tools/mock/run-program.ts";
import { BOOTSTRAP_STACK_FILE, REPOSITORY_ROOT } from "../../tools/mock/run-stack.ts";
import { planned } from "../support/plans.ts";

let run: ProgramRun;
let policies: AdminPolicies;
let stacks: PlatformStack[];
let stateBuckets: Record<string, string | undefined>;

beforeAll(async () => {
  run = (await planned("identity")).run;
  policies = adminPolicies(run);
  stacks = await readPlatformStacks(pathToFileURL(REPOSITORY_ROOT));
  const file = await readStackFile(BOOTSTRAP_STACK_FILE, BOOTSTRAP_NAMESPACE, () => "unused");
  const prefix = `${BOOTSTRAP_NAMESPACE}:`;
  const config = validateBootstrapConfig(
    Object.fromEntries(
      Object.entries(file.values).map(([key, value]) => [key.slice(prefix.length), value]),
    ),
  );
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  stateBuckets = Object.fromEntries(
    Object.entries(config.config.environments).map(([name, settings]) => [
      name,
      settings.stateBucket,
    ]),
  );
});

const statementsOf = (accountId: string): PolicyStatement[] =>
  policies.accounts
    .filter((account) => account.accountId === accountId)
    .flatMap((account) => account.documents.flatMap((document) => document.Statement));
const allStatements = () => policies.accounts.flatMap(({ accountId }) => statementsOf(accountId));
const resourcesWith = (statements: PolicyStatement[], service: string) =>
  new Set(
    statements
      .filter(({ Action }) => Action.some((action) => action.startsWith(`${service}:`)))
      .flatMap(({ Resource }) => Resource),
  );

describe("the administrator's policy of the shipped stack files", () => {
  it("knows every AWS type and function the planned bootstrap uses", () => {
    const types = new Set(
      run.resources
        .filter(({ type, custom }) => custom && type.startsWith("aws:"))
        .map(({ type }) => type),
    );
    expect(types.size).toBeGreaterThanOrEqual(12);
    for (const type of types) expect(RESOURCE_ACTIONS, type).toHaveProperty([type]);
    const functions = run.calls.filter(({ token }) => token.startsWith("aws:"));
    expect(functions.length).toBeGreaterThan(0);
    for (const { token } of functions) expect(FUNCTION_ACTIONS, token).toHaveProperty([token]);
  });

  it("has one policy per AWS account the platform's stack files name", () => {
    expect(policies.accounts.map(({ accountId }) => accountId)).toEqual(
      [...new Set(stacks.map(({ accountId }) => accountId))].sort(),
    );
    expect(policies.otherProviders).toEqual(["github"]);
  });

  it("grants IAM only on the bootstrap's own roles and its account's OIDC provider, and never PassRole", () => {
    for (const { environment, accountId } of stacks) {
      const roles = ENVIRONMENT_KINDS.map(
        (kind) => `arn:aws:iam::${accountId}:role/${rolePrefix(environment)}${kind}`,
      );
      expect(resourcesWith(statementsOf(accountId), "iam")).toEqual(
        new Set([...roles, oidcProviderArn(accountId)]),
      );
    }
    const actions = allStatements().flatMap(({ Action }) => Action);
    expect(actions).not.toContain("iam:PassRole");
    // Nothing that creates or attaches a managed policy, or touches users and groups.
    expect(
      actions.filter((action) =>
        /^iam:(CreatePolicy|AttachRolePolicy|PutRolePermissionsBoundary|.*User|.*Group)/.test(
          action,
        ),
      ),
    ).toEqual([]);
  });

  it("names exactly the state buckets of the bootstrap's config, and their log buckets", () => {
    for (const { environment, accountId } of stacks) {
      const bucket = stateBuckets[environment];
      expect(bucket, environment).toBeDefined();
      expect(resourcesWith(statementsOf(accountId), "s3")).toEqual(
        new Set([`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}-logs`]),
      );
    }
  });

  it("scopes the key's alias by the name the bootstrap's outputs give its secrets provider", () => {
    const output = run.outputs.bootstrap;
    const backends = JSON.stringify(output).match(
      /awskms:\/\/alias\/[a-z0-9-]+\?region=[a-z0-9-]+/g,
    );
    expect(backends).toHaveLength(stacks.length);
    for (const { accountId, region, environment } of stacks) {
      const alias = backends?.find((provider) => provider.includes(`-${environment}-`));
      const name = alias?.replace(/^awskms:\/\/(alias\/[^?]+)\?.*$/, "$1");
      expect(resourcesWith(statementsOf(accountId), "kms")).toContain(
        `arn:aws:kms:${region}:${accountId}:${name}`,
      );
    }
  });

  it("grants no wildcard action, and on every resource only the calls that take none", () => {
    for (const statement of allStatements()) {
      for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9]+:[A-Za-z0-9]+$/);
      if (statement.Resource.includes("*")) {
        expect(
          statement.Action.filter(
            (action) => !["kms:CreateKey", "kms:ListAliases"].includes(action),
          ),
          statement.Sid,
        ).toEqual([]);
      }
    }
    for (const { environment, accountId } of stacks) {
      const create = statementsOf(accountId).find(({ Action }) => Action.includes("kms:CreateKey"));
      expect(create?.Condition).toEqual({
        StringEquals: {
          "aws:RequestTag/platform": "platform-bootstrap",
          "aws:RequestTag/environment": environment,
        },
      });
    }
  });

  it("has no delete for what the bootstrap retains (buckets, key, OIDC provider), and deletes the rest", () => {
    const actions = new Set(allStatements().flatMap(({ Action }) => Action));
    for (const retained of [
      "s3:DeleteBucket",
      "kms:ScheduleKeyDeletion",
      "iam:DeleteOpenIDConnectProvider",
    ]) {
      expect(actions).not.toContain(retained);
    }
    for (const deleted of ["iam:DeleteRole", "iam:DeleteRolePolicy", "kms:DeleteAlias"]) {
      expect(actions).toContain(deleted);
    }
    // S3's read fails on the first denied Get*: the bucket's whole read is there.
    for (const read of [
      "s3:GetBucketAcl",
      "s3:GetBucketCORS",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetReplicationConfiguration",
    ]) {
      expect(actions).toContain(read);
    }
    expect(policies.accounts.every(({ retained }) => retained.length === 4)).toBe(true);
  });

  it("writes documents of IAM grammar that parse back and fit a managed policy", () => {
    const report = adminPolicyReport(policies);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    for (const account of report.accounts) {
      expect(account.documents).toHaveLength(1);
      for (const [index, document] of account.documents.entries()) {
        expect(document.Version).toBe("2012-10-17");
        expect(account.sizes[index]).toBe(policySize(document));
        expect(account.sizes[index]).toBeLessThanOrEqual(MANAGED_POLICY_LIMIT);
        const sids = document.Statement.map(({ Sid }) => Sid);
        expect(new Set(sids).size).toBe(sids.length);
        for (const statement of document.Statement) {
          expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
          expect(statement.Effect).toBe("Allow");
          expect(statement.Action.length).toBeGreaterThan(0);
          for (const resource of statement.Resource) {
            expect(resource).toMatch(/^(\*|arn:aws:(iam|s3|kms):[a-z0-9-]*:(\d{12})?:\S+)$/);
          }
        }
      }
    }
  });

  it("prints each account's documents as JSON people can paste, and what it leaves out", () => {
    const text = renderAdminPolicyText(policies);
    const blocks = text.match(/^\{\n[\s\S]*?^\}$/gm) ?? [];
    expect(blocks.map((block) => JSON.parse(block) as unknown)).toEqual(
      policies.accounts.flatMap(({ documents }) => documents),
    );
    for (const { accountId } of policies.accounts)
      expect(text).toContain(`AWS account ${accountId}`);
    expect(text).toMatch(
      /Not covered: GitHub: the bootstrap's token \(README\.md, .*The tokens, exactly\)/,
    );
  });
});

describe("a bootstrap the table has not caught up with", () => {
  const withResource = (resource: Partial<RecordedResource> & { type: string }): ProgramRun => {
    const role = run.resources.find(({ type }) => type === "aws:iam/role:Role");
    if (role === undefined) throw new Error("the planned bootstrap has no role");
    return {
      ...run,
      resources: [
        ...run.resources,
        { ...role, name: "added", urn: `${role.urn}-added`, inputs: {}, ...resource },
      ],
    };
  };

  it("fails on an AWS type the table lacks, naming it and the file to extend", () => {
    expect(() => adminPolicies(withResource({ type: "aws:sqs/queue:Queue" }))).toThrow(
      /aws:sqs\/queue:Queue added: the type has no entry in tools\/admin-policy\/actions\.ts/,
    );
  });

  it("fails on an input whose calls the table never looked up", () => {
    const key = run.resources.find(({ type }) => type === "aws:kms/key:Key");
    expect(() =>
      adminPolicies(
        withResource({ type: "aws:kms/key:Key", inputs: { ...key?.inputs, policy: "{}" } }),
      ),
    ).toThrow(
      /aws:kms\/key:Key added sets policy, which tools\/admin-policy\/actions\.ts does not account for \(aws_kms_key\): add the calls a change of it makes, from internal\/service\/kms\/key\.go/,
    );
  });

  it("fails on an AWS function the table lacks", () => {
    const changed = {
      ...run,
      calls: [...run.calls, { token: "aws:ec2/getVpc:getVpc", inputs: {}, provider: undefined }],
    };
    expect(() => adminPolicies(changed)).toThrow(AdminPolicyError);
    expect(() => adminPolicies(changed)).toThrow(
      /function aws:ec2\/getVpc:getVpc: no entry in tools\/admin-policy\/actions\.ts/,
    );
  });

  it("fails on a resource of the default provider, whose account it cannot know", () => {
    expect(() =>
      adminPolicies(
        withResource({ type: "aws:iam/role:Role", inputs: { name: "x" }, provider: undefined }),
      ),
    ).toThrow(/aws:iam\/role:Role added uses the default AWS provider/);
  });
});

describe("a policy over the size of one document", () => {
  it("is split into documents that each fit, keeping every statement in order", () => {
    const statements = allStatements();
    const limit = 1500;
    const documents = packDocuments(statements, limit);
    expect(documents.length).toBeGreaterThan(2);
    for (const document of documents) expect(policySize(document)).toBeLessThanOrEqual(limit);
    expect(documents.flatMap(({ Statement }) => Statement)).toEqual(statements);
  });

  it("refuses a single statement larger than a document", () => {
    expect(() => packDocuments(allStatements(), 300)).toThrow(
      /statement CiRoles\d? alone is \d+ characters, over the 300 of a managed policy/,
    );
  });
});

describe("pnpm admin-policy", () => {
  const cli = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ["tools/admin-policy/cli.ts", ...args],
        { cwd: REPOSITORY_ROOT },
      );
      return { code: 0, stdout, stderr };
    } catch (error) {
      return error as { code: number; stdout: string; stderr: string };
    }
  };

  it("refuses an account that is no AWS account id, before planning anything", async () => {
    const result = await cli("--account", "staging");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^--account takes an AWS account id \(12 digits\), not "staging"/,
    );
    expect(result.stderr).toContain("usage: pnpm admin-policy");
  });
});
