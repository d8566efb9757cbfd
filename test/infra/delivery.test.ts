// CI's AWS permissions as plain functions: what a deployment and a preview may touch, with and
// without a self-managed state bucket, and the pieces of delivery that refuse bad arguments.
import { describe, expect, it } from "vitest";
import {
  deployPermissions,
  previewPermissions,
  type StackFootprint,
} from "../../infra/delivery/ci-permissions.ts";
import { githubTrustPolicy } from "../../infra/delivery/ci-role.ts";
import { reviewerAccessFrom, teamIdFrom } from "../../infra/delivery/github-team.ts";
import { oidcProviderArn } from "../../infra/delivery/github-oidc.ts";
import {
  repositoryIdentityFrom,
  subjectFormFrom,
  subjectPrefix,
} from "../../infra/delivery/oidc-subject.ts";
import { otlpEndpoint, otlpHeaders } from "../../infra/observability/apm.ts";

const footprint: StackFootprint = {
  buckets: ["assets.example.com", "assets.example.com-logs"],
  objects: ["assets.example.com/healthz.txt"],
  project: "platform",
  stack: "production",
  backend: {
    bucket: "acme-pulumi-state",
    secretsKeyArn: "arn:aws:kms:eu-central-1:222222222222:key/0000",
  },
};

const statement = (statements: ReturnType<typeof deployPermissions>, sid: string) =>
  statements.find((candidate) => candidate.Sid === sid);

describe("CI permissions with a self-managed backend", () => {
  it("let a deployment write this stack's state and lock, and no other stack's", () => {
    const write = statement(deployPermissions(footprint), "WriteStateAndLock");
    expect(write?.Action).toEqual(["s3:PutObject", "s3:DeleteObject"]);
    expect(write?.Resource).toEqual([
      "arn:aws:s3:::acme-pulumi-state/.pulumi/stacks/platform/production.json*",
      "arn:aws:s3:::acme-pulumi-state/.pulumi/history/platform/production/*",
      "arn:aws:s3:::acme-pulumi-state/.pulumi/backups/platform/production/*",
      "arn:aws:s3:::acme-pulumi-state/.pulumi/journal/platform/production/*",
      // The lock lives under the stack's fully qualified name (pulumi diy lock.go).
      "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/organization/platform/production/*",
    ]);
  });

  it("let a preview read the state, take the lock and decrypt, but write nothing else", () => {
    const statements = previewPermissions(footprint);
    expect(statement(statements, "TakeLock")?.Resource).toEqual([
      "arn:aws:s3:::acme-pulumi-state/.pulumi/locks/organization/platform/production/*",
    ]);
    expect(statement(statements, "WriteStateAndLock")).toBeUndefined();
    expect(statement(statements, "DecryptSecrets")).toEqual({
      Sid: "DecryptSecrets",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey"],
      Resource: ["arn:aws:kms:eu-central-1:222222222222:key/0000"],
    });
  });

  it("let a deployment encrypt with the stack's key, and nothing else's", () => {
    expect(statement(deployPermissions(footprint), "UseSecretsKey")).toEqual({
      Sid: "UseSecretsKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"],
      Resource: ["arn:aws:kms:eu-central-1:222222222222:key/0000"],
    });
  });

  it("grant nothing on state or keys with Pulumi Cloud", () => {
    const cloud = deployPermissions({ ...footprint, backend: undefined });
    expect(cloud.map(({ Sid }) => Sid)).toEqual(["ManageBuckets", "ManageOwnObjects"]);
  });

  it("hold no IAM action at all, in either role", () => {
    for (const statements of [deployPermissions(footprint), previewPermissions(footprint)]) {
      expect(
        statements.flatMap(({ Action }) => Action).filter((a) => a.startsWith("iam:")),
      ).toEqual([]);
    }
  });
});

describe("delivery helpers", () => {
  it("read a team's id, and say what a 404 means: no such team, or no Members: read", () => {
    expect(
      teamIdFrom("acme", "platform-leads", {
        code: 200,
        body: JSON.stringify({ id: 42, slug: "platform-leads" }),
      }),
    ).toBe(42);
    expect(() => teamIdFrom("acme", "platform-lead", { code: 404, body: "{}" })).toThrow(
      'GitHub answered 404 for the team acme/platform-lead: either no team has that slug in acme (the slug is the team\'s URL name, lower case), or the token cannot see it. A fine-grained token needs the organization permission "Members: read"; a classic token needs read:org.',
    );
    expect(() => teamIdFrom("acme", "x", { code: 200, body: "<html>" })).toThrow(
      /is not a team with a numeric id/,
    );
  });

  it("pass a reviewer who can read the repository, and say what to grant one who cannot", () => {
    const grant = "gh api -X PUT orgs/acme/teams/leads/repos/acme/platform -f permission=pull";
    expect(() => {
      reviewerAccessFrom("The team acme/leads", "acme/platform", grant, { code: 204 });
    }).not.toThrow();
    expect(() => {
      reviewerAccessFrom("The team acme/leads", "acme/platform", grant, { code: 404 });
    }).toThrow(
      `The team acme/leads cannot read acme/platform, or the bootstrap token cannot see that it can (README, The tokens, exactly). GitHub drops an environment's reviewer who cannot read the repository, without an error: the environment would deploy without their review. Grant the access (${grant}), or name another reviewer in Pulumi.identity.yaml.`,
    );
  });

  it("derive the OIDC provider's ARN from the account and the issuer", () => {
    expect(oidcProviderArn("123456789012")).toBe(
      "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
    );
  });

  it("trust exactly one repository and environment", () => {
    const policy = githubTrustPolicy("arn:p", "repo:acme/platform:environment:staging") as {
      Statement: { Condition: { StringEquals: Record<string, string> } }[];
    };
    expect(policy.Statement[0]?.Condition.StringEquals).toEqual({
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": "repo:acme/platform:environment:staging",
    });
  });

  const answer = (repository: {
    id: number;
    name: string;
    owner: { login: string; id: number };
    private?: boolean;
  }) => ({
    code: 200,
    body: JSON.stringify({ private: true, ...repository }),
  });

  it("write the subject in the form the repository's tokens carry", () => {
    const repository = {
      owner: "acme",
      name: "platform",
      ownerId: 123456,
      repositoryId: 456789,
      isPublic: false,
    };
    // `@`, which no name can hold: with April 2026's `-`, an organisation named acme-123456 could
    // mint the names-only subject repo:acme-123456/platform-456789 and match the trust.
    expect(subjectPrefix(repository, "immutable")).toBe("repo:acme@123456/platform@456789");
    expect(subjectPrefix(repository, "names")).toBe("repo:acme/platform");
  });

  it("take the subject's form from the prefix GitHub signs with, and refuse what no role could trust", () => {
    const found = {
      owner: "acme",
      name: "platform",
      ownerId: 123456,
      repositoryId: 456789,
      isPublic: false,
    };
    const template = (body: unknown) => ({ code: 200, body: JSON.stringify(body) });
    // A repository created since 15 July 2026: its opt-in is false, its prefix has the ids.
    const created = template({
      use_default: true,
      use_immutable_subject: false,
      sub_claim_prefix: "repo:acme@123456/platform@456789",
    });
    expect(subjectFormFrom(found, undefined, created)).toBe("immutable");
    const older = template({
      use_default: true,
      use_immutable_subject: false,
      sub_claim_prefix: "repo:acme/platform",
    });
    expect(subjectFormFrom(found, undefined, older)).toBe("names");
    // Without a prefix, only the opt-in says something; else the config decides, else immutable.
    expect(subjectFormFrom(found, undefined, template({ use_immutable_subject: true }))).toBe(
      "immutable",
    );
    expect(subjectFormFrom(found, "names", template({ use_immutable_subject: false }))).toBe(
      "names",
    );
    expect(subjectFormFrom(found, undefined, { code: 404, body: "{}" })).toBe("immutable");
    expect(() => subjectFormFrom(found, "immutable", older)).toThrow(
      "platform-bootstrap:github.oidcSubject is immutable, but GitHub signs the subjects of acme/platform by names, which is what the CI roles must trust. Let GitHub decide: pulumi config rm --path github.oidcSubject",
    );
    expect(() =>
      subjectFormFrom(found, undefined, template({ sub_claim_prefix: "repo:someone/else" })),
    ).toThrow(/prefix repo:someone\/else, which is neither repo:acme@123456\/platform@456789 nor/);
    expect(() =>
      subjectFormFrom(
        found,
        undefined,
        template({ use_default: false, include_claim_keys: ["repo", "context"] }),
      ),
    ).toThrow(
      "The repository acme/platform does not use GitHub's default OIDC subject (repo, context), and the CI roles trust the default, which names the environment. Reset it: gh api -X PUT repos/acme/platform/actions/oidc/customization/sub -F use_default=true",
    );
    // Deferring to the organisation's template is no default either.
    expect(() => subjectFormFrom(found, undefined, template({ use_default: false }))).toThrow(
      /\(the organisation's template\)/,
    );
  });

  it("spell the repository as GitHub does, since the trust compares the claim case-sensitively", () => {
    const found = repositoryIdentityFrom(
      { owner: "Acme", name: "Platform" },
      answer({ id: 456789, name: "platform", owner: { login: "acme", id: 123456 } }),
    );
    expect(found).toEqual({
      owner: "acme",
      name: "platform",
      ownerId: 123456,
      repositoryId: 456789,
      isPublic: false,
    });
    const open = repositoryIdentityFrom(
      { owner: "acme", name: "platform" },
      answer({ id: 1, name: "platform", owner: { login: "acme", id: 2 }, private: false }),
    );
    expect(open.isPublic).toBe(true);
  });

  it("refuse a repository that answers under another name, with the commands that follow it", () => {
    expect(() =>
      repositoryIdentityFrom(
        { owner: "acme", name: "platform" },
        answer({ id: 456789, name: "platform-v2", owner: { login: "acme-corp", id: 123456 } }),
      ),
    ).toThrow(
      "GitHub knows the repository acme/platform (platform-bootstrap:github.owner and platform-bootstrap:github.repository) as acme-corp/platform-v2 now: it was renamed or transferred. " +
        "Point the bootstrap at it (in bootstrap/): pulumi config set --path 'github.owner' acme-corp && pulumi config set --path 'github.repository' platform-v2",
    );
  });

  it("say which repository GitHub would not show, and how to fix it", () => {
    const repository = { owner: "acme", name: "platfrom" };
    expect(() => repositoryIdentityFrom(repository, { code: 404, body: "{}" })).toThrow(
      /^GitHub answered 404 for the repository acme\/platfrom \(platform-bootstrap:github\.owner and platform-bootstrap:github\.repository\).*Check both names, and that the GitHub token \(GITHUB_TOKEN\) may read/,
    );
    expect(() =>
      repositoryIdentityFrom(repository, { code: 200, body: JSON.stringify({ id: "x" }) }),
    ).toThrow(
      /is not a repository with a numeric id, a name, an owner \(id and login\) and its visibility/,
    );
    expect(() =>
      repositoryIdentityFrom(repository, { code: 200, body: "<html>Bad gateway</html>" }),
    ).toThrow(
      /^GitHub's answer for the repository acme\/platfrom is not a repository.*GITHUB_BASE_URL/s,
    );
  });

  it("point each APM backend at its OTLP endpoint", () => {
    expect(otlpEndpoint({ provider: "datadog", site: "us5.datadoghq.com" })).toBe(
      "https://otlp.us5.datadoghq.com",
    );
    expect(otlpEndpoint({ provider: "newrelic", region: "US", accountId: 1 })).toBe(
      "https://otlp.nr-data.net",
    );
  });

  it("percent-encode the key and Datadog's span mapping in the OTLP headers", async () => {
    const headers = await new Promise<string>((resolve) =>
      otlpHeaders({ provider: "datadog", site: "datadoghq.com" }, "k=y,1").apply(resolve),
    );
    expect(headers).toBe("dd-api-key=k%3Dy%2C1,compute_stats=true");
    const newRelic = await new Promise<string>((resolve) =>
      otlpHeaders({ provider: "newrelic", region: "EU", accountId: 1 }, "license").apply(resolve),
    );
    expect(newRelic).toBe("api-key=license");
  });
});
