// Stack files checked against each other, and provider settings the program never reads: cases in
// the bad-config table's style (every problem expected, in order, each field exact or a pattern).
import { beforeAll, describe, expect, it } from "vitest";
import {
  BOOTSTRAP_STACK_FILE,
  type OtherStackFile,
  readOtherStackFiles,
} from "../../stacks/config/cross-stack.ts";
import { validateStackConfig, type RawStackConfig } from "../../stacks/config/load.ts";
import type { ConfigProblem } from "../../stacks/config/problems.ts";
import { BOOTSTRAP_NAMESPACE } from "../../bootstrap/config.ts";
import {
  BOOTSTRAP_STACK_FILE as BOOTSTRAP_FILE_PATH,
  REPOSITORY_ROOT,
} from "../../tools/mock/run-stack.ts";
import { planned } from "../support/plans.ts";
import {
  rawStackConfig,
  VALIDATION_CONTEXT,
  withValue,
  withValues,
} from "../support/stack-config.ts";

let staging: RawStackConfig;
let production: RawStackConfig;

beforeAll(async () => {
  // Each as the program reads it: its own config, and the repository's other stack files.
  staging = {
    ...(await rawStackConfig("staging")),
    otherStacks: readOtherStackFiles(REPOSITORY_ROOT, "staging"),
  };
  production = {
    ...(await rawStackConfig("production")),
    otherStacks: readOtherStackFiles(REPOSITORY_ROOT, "production"),
  };
});

function problemsOf(raw: RawStackConfig): ConfigProblem[] {
  const result = validateStackConfig(raw, VALIDATION_CONTEXT);
  return result.ok ? [] : result.problems;
}

const groupOf = (raw: RawStackConfig, group: string) =>
  JSON.parse(raw.values[group] ?? "{}") as Record<string, unknown>;

interface Case {
  name: string;
  config: () => RawStackConfig;
  problems: Partial<Record<keyof ConfigProblem, string | RegExp>>[];
}

const cases: Case[] = [
  {
    name: "staging on production's Cloudflare zone id",
    config: () => withValue(staging, "edge.zoneId", groupOf(production, "edge").zoneId),
    problems: [
      {
        key: "platform:edge.zoneId",
        found:
          '"fedcba9876543210fedcba9876543210" in Pulumi.staging.yaml, and the same in Pulumi.production.yaml',
        allowed:
          'a value of stack "staging" alone: a Cloudflare zone has one set of settings and one entry-point ruleset per phase, so two stacks in one zone overwrite each other\'s rules (README, Design decisions: One Cloudflare zone per environment)',
        fix: "pulumi config set --path 'edge.zoneId' '<the Cloudflare zone id of domain.zone>'   (in Pulumi.staging.yaml; or change Pulumi.production.yaml)",
      },
    ],
  },
  {
    name: "production on staging's zone, by name",
    config: () =>
      withValues(production, {
        "domain.zone": "example-staging.com",
        "domain.appHost": "app.example-staging.com",
        "domain.assetsHost": "assets.example-staging.com",
      }),
    problems: [
      {
        key: "platform:domain.zone",
        found:
          '"example-staging.com" in Pulumi.production.yaml, and the same in Pulumi.staging.yaml',
        fix: "pulumi config set --path 'domain.zone' '<your domain>'   (in Pulumi.production.yaml; or change Pulumi.staging.yaml)",
      },
    ],
  },
  {
    name: "both stacks in one DigitalOcean team (names ignore case), and on one registry name",
    config: () =>
      withValues(staging, {
        "digitalocean.team": "Acme-Production",
        "registry.name": "acme-platform",
      }),
    problems: [
      {
        key: "platform:digitalocean.team",
        found: '"Acme-Production" in Pulumi.staging.yaml, and the same in Pulumi.production.yaml',
        allowed: /^a value of stack "staging" alone: each environment needs its own team/,
      },
      {
        key: "platform:registry.name",
        allowed: /registry names are unique across DigitalOcean/,
        fix: "pulumi config set --path 'registry.name' '<a registry name of your own>'   (in Pulumi.staging.yaml; or change Pulumi.production.yaml)",
      },
    ],
  },
  {
    name: "production in staging's AWS account, written as a number",
    config: () => withValue(production, "aws.accountId", 111111111111),
    problems: [
      {
        key: "platform:aws.accountId",
        found: '"111111111111" in Pulumi.production.yaml, and the same in Pulumi.staging.yaml',
        allowed: /production lives in an AWS account of its own/,
      },
    ],
  },
  {
    name: "a repository whose environments the bootstrap does not create",
    config: () => withValue(staging, "github.repository", "infrastructure"),
    problems: [
      {
        key: "platform:github",
        found: `acme/infrastructure in Pulumi.staging.yaml, but ${BOOTSTRAP_STACK_FILE} creates the deploy environments in acme/platform: nothing would create or protect the environment "staging" this stack writes into`,
        allowed: `the repository of ${BOOTSTRAP_STACK_FILE} (platform-bootstrap:github): the bootstrap owns each stack's environment and the rulesets, the stack only writes its values into its environment`,
        fix: `pulumi config set --path 'github.owner' '<the user or organisation that owns your repository>' && pulumi config set --path 'github.repository' 'platform'   (or change platform-bootstrap:github in ${BOOTSTRAP_STACK_FILE})`,
      },
    ],
  },
  {
    name: "AWS settings the program's explicit providers never read",
    config: () => ({
      ...production,
      otherKeys: {
        "aws:region": "eu-west-1",
        "aws:profile": "acme-production-admin",
        "aws:secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws:skipMetadataApiCheck": "true",
        "digitalocean:apiEndpoint": "https://api.digitalocean.com",
      },
    }),
    problems: [
      {
        key: "aws:region",
        found:
          "a setting nothing reads: the program builds its aws providers itself (stacks/aws-account.ts), and such a provider takes no aws: config",
        allowed:
          "no aws: settings; the program reads platform:aws.accountId and platform:assets.awsRegion, and credentials from the environment (AWS_PROFILE, AWS_ACCESS_KEY_ID…, or CI's OIDC role)",
        fix: "pulumi config rm aws:region && pulumi config set --path 'assets.awsRegion' eu-west-1",
      },
      {
        key: "aws:profile",
        fix: "pulumi config rm aws:profile, and run with the profile in the environment: AWS_PROFILE=acme-production-admin pulumi up",
      },
      // Not also "a plaintext credential": removing it is the fix.
      {
        key: "aws:secretKey",
        fix: "pulumi config rm aws:secretKey, and export AWS_SECRET_ACCESS_KEY instead",
      },
      {
        key: "aws:skipMetadataApiCheck",
        fix: "pulumi config rm --path 'aws:skipMetadataApiCheck'",
      },
    ],
  },
  {
    name: "GitHub, Datadog and New Relic settings, secret ones never shown",
    config: () => ({
      ...production,
      otherKeys: {
        "github:token": "ghp_never-shown",
        "github:owner": "northwind",
        "datadog:apiKey": "dd-never-shown",
        "newrelic:apiKey": "nr-never-shown",
        "aws:allowedAccountIds": '["222222222222"]',
        "aws:profile": "admin",
      },
      otherSecretKeys: new Set([
        "github:token",
        "datadog:apiKey",
        "newrelic:apiKey",
        "aws:profile",
      ]),
    }),
    problems: [
      {
        key: "github:token",
        found: /builds its github providers itself \(stacks\/delivery\.ts\)/,
        allowed:
          "no github: settings; the program reads platform:github.owner and platform:github.repository, and the token from GITHUB_TOKEN",
        fix: "pulumi config rm github:token, and export GITHUB_TOKEN instead",
      },
      {
        key: "github:owner",
        fix: "pulumi config rm github:owner && pulumi config set --path 'github.owner' northwind",
      },
      {
        key: "datadog:apiKey",
        fix: "pulumi config rm datadog:apiKey, and export DD_API_KEY instead",
      },
      {
        key: "newrelic:apiKey",
        fix: "pulumi config rm newrelic:apiKey, and export NEW_RELIC_API_KEY instead",
      },
      { key: "aws:allowedAccountIds", fix: /^pulumi config rm aws:allowedAccountIds, and keep/ },
      { key: "aws:profile", fix: /AWS_PROFILE=<profile> pulumi up$/ },
    ],
  },
];

describe("stack files checked against each other", () => {
  it.each(cases)("$name", ({ config, problems }) => {
    const found = problemsOf(config());
    expect(found).toHaveLength(problems.length);
    problems.forEach((expected, index) => {
      const problem = found[index];
      for (const [field, matcher] of Object.entries(expected)) {
        const actual = problem?.[field as keyof ConfigProblem];
        if (typeof matcher === "string") expect(actual, field).toBe(matcher);
        else expect(actual, field).toMatch(matcher);
      }
    });
    expect(JSON.stringify(found)).not.toContain("never-shown");
    expect(JSON.stringify(found)).not.toContain("EXAMPLEKEY");
  });

  it("accept the shipped pair: separate zones, teams, registries and accounts, the bootstrap's repository", () => {
    expect(problemsOf(staging)).toEqual([]);
    expect(problemsOf(production)).toEqual([]);
    expect(staging.otherStacks?.map((other) => other.file)).toEqual([
      "Pulumi.production.yaml",
      BOOTSTRAP_STACK_FILE,
    ]);
  });

  it("let staging share production's Cloudflare account, and each stack a repository name in another case", () => {
    const shared = withValues(staging, {
      "edge.accountId": groupOf(production, "edge").accountId,
      "github.owner": "ACME",
    });
    expect(problemsOf(shared)).toEqual([]);
  });

  it("compare nothing for a stack the program does not know, nor without the other files", () => {
    expect(readOtherStackFiles(REPOSITORY_ROOT, "dev")).toEqual([]);
    const alone: OtherStackFile[] = [];
    const noBootstrap = (staging.otherStacks ?? []).filter(
      (other) => other.file !== BOOTSTRAP_STACK_FILE,
    );
    expect(
      problemsOf({ ...withValue(staging, "github.repository", "x"), otherStacks: alone }),
    ).toEqual([]);
    expect(
      problemsOf({ ...withValue(staging, "github.repository", "x"), otherStacks: noBootstrap }),
    ).toEqual([]);
    expect(readOtherStackFiles("/nonexistent", "staging")).toEqual([]);
  });

  it("read the bootstrap's file where the bootstrap keeps it", () => {
    expect(`${REPOSITORY_ROOT}${BOOTSTRAP_STACK_FILE}`).toBe(BOOTSTRAP_FILE_PATH);
    const bootstrap = staging.otherStacks?.find((other) => other.stack === "identity");
    expect(Object.keys(bootstrap?.values ?? {})).toContain(`${BOOTSTRAP_NAMESPACE}:github`);
  });
});

describe("the providers whose settings are refused", () => {
  it.each(["production", "staging"] as const)(
    "serve every AWS and GitHub resource and call of %s explicitly",
    async (stack) => {
      const { run } = await planned(stack);
      const unread = /^(aws|github|datadog|newrelic):/;
      const viaDefault = [
        ...run.resources.filter((resource) => unread.test(resource.type)),
        ...run.calls.map((call) => ({ type: call.token, provider: call.provider })),
      ].filter((entry) => unread.test(entry.type) && entry.provider === undefined);
      expect(viaDefault).toEqual([]);
      expect(
        run.resources.filter((resource) => /^(aws|github):/.test(resource.type)).length,
      ).toBeGreaterThan(5);
    },
  );
});
