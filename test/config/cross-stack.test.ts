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

describe("stack files checked against each other", () => {
  it("never show a secret provider setting's value", () => {
    const found = problemsOf({
      ...production,
      otherKeys: { "github:token": "ghp_never-shown", "aws:profile": "never-shown-either" },
      otherSecretKeys: new Set(["github:token", "aws:profile"]),
    });
    expect(found.map((problem) => problem.key)).toEqual(["github:token", "aws:profile"]);
    expect(JSON.stringify(found)).not.toContain("never-shown");
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

  it("skip what another file holds in a shape it cannot compare (its own run reports that)", () => {
    const odd: OtherStackFile = {
      stack: "production",
      file: "Pulumi.production.yaml",
      values: {
        "platform:edge": "{not json",
        "platform:digitalocean": "3",
        "platform:domain": "[]",
      },
    };
    expect(problemsOf({ ...staging, otherStacks: [odd] })).toEqual([]);
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
