// Every fix the loader suggests is run, as the Pulumi CLI would run it, against the config it was
// suggested for: it must clear its problem without creating another one. Misspelt keys, derived
// keys and foreign namespaces get their own cases.
import { beforeAll, describe, expect, it } from "vitest";
import { validateStackConfig, type RawStackConfig } from "../../stacks/config/load.ts";
import { type ConfigProblem, exampleAt } from "../../stacks/config/problems.ts";
import {
  rawStackConfig,
  VALIDATION_CONTEXT,
  withValue,
  withValues,
} from "../support/stack-config.ts";

let production: RawStackConfig;
let staging: RawStackConfig;

beforeAll(async () => {
  production = await rawStackConfig("production");
  staging = await rawStackConfig("staging");
});

function problemsOf(raw: RawStackConfig): ConfigProblem[] {
  const result = validateStackConfig(raw, VALIDATION_CONTEXT);
  return result.ok ? [] : result.problems;
}

type Segment = string | number;

function segmentsOf(path: string): Segment[] {
  return path
    .split(/\.|\[(\d+)\]/)
    .filter((segment): segment is string => (segment as string | undefined) !== undefined)
    .filter((segment) => segment !== "")
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** Splits `platform:edge.plan` into its namespace and the path inside it. */
function located(path: string): { namespace: string; inside: string } {
  const match = /^([a-z]+):(.*)$/.exec(path);
  return match === null
    ? { namespace: "platform", inside: path }
    : { namespace: match[1] ?? "", inside: match[2] ?? "" };
}

function getValue(raw: RawStackConfig, path: string): unknown {
  const { namespace, inside } = located(path);
  const [key, ...rest] = segmentsOf(inside);
  const text =
    namespace === "platform"
      ? raw.values[String(key)]
      : raw.otherKeys?.[`${namespace}:${String(key)}`];
  if (text === undefined) throw new Error(`pulumi config get: ${path} is not set`);
  let value: unknown = rest.length === 0 ? text : JSON.parse(text);
  for (const segment of rest) value = (value as Record<Segment, unknown>)[segment];
  if (value === undefined) throw new Error(`pulumi config get: ${path} is not set`);
  return value;
}

/** Sets or removes `path`; keys of other namespaces live in `otherKeys`, whole keys only. */
function setValue(raw: RawStackConfig, path: string, value: unknown): RawStackConfig {
  const { namespace, inside } = located(path);
  if (namespace === "platform") return withValue(raw, inside, value);
  const { [`${namespace}:${inside}`]: _removed, ...others } = raw.otherKeys ?? {};
  if (value !== undefined) throw new Error(`the test sets no key of ${namespace}:`);
  return { ...raw, otherKeys: others };
}

/** `pulumi config set --path` stores true/false as booleans and integers as numbers (pulumi#18285). */
function typed(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  return /^(0|[1-9]\d*)$/.test(text) ? Number(text) : text;
}

/**
 * What a person puts where a fix names what belongs (`'<the Cloudflare zone id of domain.zone>'`):
 * a value of their own, here the schema's example for the key, which the config accepts.
 */
function valueOfTheirOwn(target: string): unknown {
  const segments = segmentsOf(target);
  const last = segments.at(-1);
  if (typeof last !== "number") return exampleAt(segments);
  const list = exampleAt(segments.slice(0, -1));
  return Array.isArray(list) ? (list[last] as unknown) : undefined;
}

const unquote = (token: string) =>
  token.startsWith("'") ? token.slice(1, -1).replaceAll("'\\''", "'") : token;

/** Runs a fix's `pulumi config` commands against `raw`, the way the CLI would change the stack. */
function applyFix(raw: RawStackConfig, fix: string): RawStackConfig {
  const commands = fix.replace(/ {3}\(.*\)$/, "").split(" && ");
  return commands.reduce((config, command) => {
    const get =
      /^pulumi config set (--path|--secret) '?([^' ]+)'? "\$\(pulumi config get (?:--path )?'?([^')]+)'?\)"$/.exec(
        command,
      );
    if (get !== null) {
      const [, flag, target = "", source = ""] = get;
      const value = getValue(config, source);
      const updated = setValue(config, target, flag === "--path" ? typed(String(value)) : value);
      return flag === "--secret"
        ? { ...updated, secretKeys: new Set([...updated.secretKeys, target]) }
        : updated;
    }
    const set = /^pulumi config set (--path|--secret) '?([^' ]+)'? (.+)$/.exec(command);
    if (set !== null) {
      const [, flag, target = "", value = ""] = set;
      const text = unquote(value);
      const updated = setValue(
        config,
        target,
        text.startsWith("<") ? valueOfTheirOwn(target) : flag === "--path" ? typed(text) : text,
      );
      return flag === "--secret"
        ? { ...updated, secretKeys: new Set([...updated.secretKeys, target]) }
        : updated;
    }
    const rm = /^pulumi config rm (?:--path )?'?([^' ]+)'?$/.exec(command);
    if (rm !== null) return setValue(config, rm[1] ?? "", undefined);
    throw new Error(`not a pulumi config command: ${command}`);
  }, raw);
}

interface Case {
  name: string;
  config: () => RawStackConfig;
}

const brokenConfigs: Case[] = [
  {
    name: "production: one reviewer, who could never approve their own release",
    config: () => withValue(production, "github.reviewers", { users: ["alice"] }),
  },
  {
    name: "production: deployed from a branch",
    config: () => withValue(production, "github.deployFrom", "branch:main"),
  },
  {
    name: "staging: owns the ruleset but requires no review",
    config: () => withValue(staging, "github.requiredReviews", 0),
  },
  {
    name: "production: New Relic without its account",
    config: () =>
      withValues(
        { ...production, secretKeys: new Set([...production.secretKeys, "apmIngestKey"]) },
        { "monitoring.apm": { provider: "newrelic" }, apmIngestKey: "license-key-0123456789" },
      ),
  },
  {
    name: "staging: app host outside the zone",
    config: () => withValue(staging, "domain.appHost", "app.example.com"),
  },
  {
    name: "staging: assets host missing",
    config: () => withValue(staging, "domain.assetsHost", undefined),
  },
  {
    name: "staging: both hosts missing",
    config: () =>
      withValues(staging, { "domain.appHost": undefined, "domain.assetsHost": undefined }),
  },
  {
    name: "production: primary in ams3, secondary missing",
    config: () =>
      withValues(production, { "regions.primary": "ams3", "regions.secondary": undefined }),
  },
  {
    name: "production: secondary equal to the primary",
    config: () => withValue(production, "regions.secondary", "fra1"),
  },
  {
    name: "production: secondary in the primary's region",
    config: () =>
      withValues(production, { "regions.primary": "ams3", "regions.secondary": "ams3" }),
  },
  { name: "production: no standby", config: () => withValue(production, "database.standbys", 0) },
  {
    name: "staging: standby on a 1 GB node",
    config: () => withValue(staging, "database.standbys", 1),
  },
  {
    name: "staging: pool bigger than the connection limit",
    config: () => withValue(staging, "database.poolSize", 500),
  },
  {
    name: "production: one web instance",
    config: () => withValue(production, "services.web.autoscaling.minInstances", 1),
  },
  {
    // The nearest size to a made-up one would be a single-instance size, which two refuse.
    name: "production: an unknown size for a service of two instances",
    config: () =>
      withValue(production, "services.processor", { size: "apps-s-1vcpu-0.6gb", instances: 2 }),
  },
  {
    name: "production: two instances of a single-instance size",
    config: () =>
      withValue(production, "services.processor", { size: "apps-s-1vcpu-0.5gb", instances: 2 }),
  },
  {
    name: "staging: rate limit period the Free plan lacks",
    config: () => withValue(staging, "edge.rateLimit.periodSeconds", 60),
  },
  {
    name: "staging: Slack alerts on a Free zone's account",
    config: () =>
      withValue(
        { ...staging, secretKeys: new Set([...staging.secretKeys, "slackWebhookUrl"]) },
        "slackWebhookUrl",
        "https://hooks.slack.com/services/T000/B000/XXXX",
      ),
  },
  { name: "staging: edge plan missing", config: () => withValue(staging, "edge.plan", undefined) },
  {
    name: "production: database group missing",
    config: () => withValue(production, "database", undefined),
  },
  {
    name: "staging: monitoring group missing",
    config: () => withValue(staging, "monitoring", undefined),
  },
  {
    name: "production: a web size with 3 GB, which App Platform does not sell",
    config: () => withValue(production, "services.web.size", "apps-d-1vcpu-3gb"),
  },
  {
    name: "production: a legacy secondary datacenter and replica",
    config: () =>
      withValues(production, {
        "regions.secondary": "sfo1",
        "database.replicas[0].region": "sfo1",
      }),
  },
  {
    name: "staging: a maintenance hour at twenty past",
    config: () => withValue(staging, "database.maintenanceWindow.hour", "3:20"),
  },
  {
    name: "staging: hostnames and a pool size at the wrong depth",
    config: () =>
      withValues(staging, {
        "domain.appHost": undefined,
        appHost: "app.example-staging.com",
        "database.poolSize": undefined,
        "database.maintenanceWindow.poolSize": 10,
      }),
  },
  {
    name: "production: HSTS too short to preload",
    config: () => withValue(production, "edge.hsts.maxAgeSeconds", 3600),
  },
];

describe("every suggested fix", () => {
  it.each(brokenConfigs)("clears its problem and creates none: $name", ({ config }) => {
    const broken = config();
    const problems = problemsOf(broken);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      const after = problemsOf(applyFix(broken, problem.fix)).map((p) => p.key);
      const before = problems.map((p) => p.key);
      expect(after, `fix of ${problem.key}: ${problem.fix}`).not.toContain(problem.key);
      expect(
        after.filter((key) => !before.includes(key)),
        `fix of ${problem.key}`,
      ).toEqual([]);
    }
    const fixed = problems.reduce((raw, problem) => applyFix(raw, problem.fix), broken);
    expect(problemsOf(fixed)).toEqual([]);
  });
});

describe("a misspelt key", () => {
  it("names the key it resembles and renames it with pulumi config, leaf by leaf", () => {
    const { plan, ...edge } = JSON.parse(staging.values.edge ?? "{}") as Record<string, unknown>;
    const broken = withValue(staging, "edge", { ...edge, pln: plan });
    const problems = problemsOf(broken);
    expect(problems).toEqual([
      {
        key: "platform:edge.pln",
        found: "a key the platform does not know: did you mean platform:edge.plan?",
        allowed: expect.stringMatching(/^one of accountId, .*plan/) as unknown,
        fix: `pulumi config set --path 'edge.plan' "$(pulumi config get --path 'edge.pln')" && pulumi config rm --path 'edge.pln'`,
        alsoFixes: "platform:edge.plan",
      },
    ]);
    expect(problemsOf(applyFix(broken, problems[0]?.fix ?? ""))).toEqual([]);
  });

  it("renames a misspelt group without printing its values, and a misspelt secret with --secret", () => {
    const monitoring = staging.values.monitoring ?? "{}";
    const broken = withValues(
      { ...staging, secretKeys: new Set(["sentryDns"]) },
      {
        monitoring: undefined,
        monitorng: JSON.parse(monitoring),
        sentryDns: "https://k@o1.ingest.sentry.io/2",
      },
    );
    const problems = problemsOf(broken);
    expect(problems.map((problem) => problem.key)).toEqual([
      "platform:monitorng",
      "platform:sentryDns",
    ]);
    expect(problems[0]?.fix).toMatch(
      /^pulumi config set --path 'monitoring.alertEmails\[0\]' "\$\(pulumi config get --path 'monitorng.alertEmails\[0\]'\)" && .* && pulumi config rm --path 'monitorng'$/,
    );
    expect(problems[1]?.fix).toBe(
      `pulumi config set --secret sentryDsn "$(pulumi config get sentryDns)" && pulumi config rm sentryDns`,
    );
    expect(JSON.stringify(problems)).not.toMatch(/@example\.com|ingest\.sentry/);
    const fixed = problems.reduce((raw, problem) => applyFix(raw, problem.fix), broken);
    expect(problemsOf(fixed)).toEqual([]);
  });

  it("is only removed when the key it resembles is already set, and unknown words are not guessed", () => {
    const problems = problemsOf(
      withValues(staging, { monitorng: { latencyThresholdMs: 100 }, colour: "blue" }),
    );
    expect(problems.map(({ key, fix }) => ({ key, fix }))).toEqual([
      {
        key: "platform:monitorng",
        fix: "pulumi config rm --path 'monitorng'   (monitoring.latencyThresholdMs… see: monitoring is already set)".replace(
          "monitoring.latencyThresholdMs… see: ",
          "",
        ),
      },
      { key: "platform:colour", fix: "pulumi config rm --path 'colour'" },
    ]);
  });
});

describe("keys that belong elsewhere", () => {
  it("refuses platform:environment: the stack's name is its environment", () => {
    const problems = problemsOf(withValue(staging, "environment", "production"));
    expect(problems).toEqual([
      {
        key: "platform:environment",
        found: "a value, which the program never reads: the stack's name is its environment",
        allowed:
          'nothing: this is stack "staging"; to configure another environment, select its stack',
        fix: "pulumi config rm environment   (and pulumi stack select <stack> for another environment)",
      },
    ]);
  });

  it("refuses a namespace nobody reads, and renames a misspelt platform: group", () => {
    const { edge, ...values } = staging.values;
    const problems = problemsOf({
      ...staging,
      values,
      otherKeys: {
        "plattform:edge": edge ?? "{}",
        "digitalocean:apiEndpoint": "https://api.digitalocean.com",
        "acme:flag": "1",
        // Next to aws:, which the program's own AWS provider never reads: no rename into it.
        "awz:region": "eu-central-1",
      },
    });
    expect(problems.map((problem) => problem.key)).toEqual([
      "plattform:edge",
      "acme:flag",
      "awz:region",
    ]);
    expect(problems[2]).toMatchObject({ fix: "pulumi config rm --path 'awz:region'" });
    expect(problems[2]?.allowed).not.toContain("aws:");
    expect(problems[0]?.found).toBe(
      'a key in the namespace "plattform", which nothing reads: did you mean platform:edge?',
    );
    expect(problems[0]?.fix).toMatch(
      /^pulumi config set --path 'platform:edge\.plan' "\$\(pulumi config get --path 'plattform:edge\.plan'\)" && .* && pulumi config rm --path 'plattform:edge'$/,
    );
    expect(problems[1]).toMatchObject({
      found: 'a key in the namespace "acme", which neither the program nor a provider reads',
      fix: "pulumi config rm --path 'acme:flag'",
    });
  });
});
