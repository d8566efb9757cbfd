import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, refuseExampleValues, type RawStackConfig } from "../../stacks/config/load.ts";
import {
  EXAMPLE_VALUES,
  exampleStandIn,
  exampleValueProblems,
  exampleValuesIn,
  isExampleHost,
  looksTyped,
  offlineExampleValues,
  underMockRuntime,
} from "../../stacks/config/placeholders.ts";
import { exampleAt } from "../../stacks/config/problems.ts";
import { readStack } from "../../tools/mock/run-stack.ts";
import { SHIPPED_EXAMPLE_KEYS } from "../support/shipped-examples.ts";
import { rawStackConfig, withValues } from "../support/stack-config.ts";

let staging: RawStackConfig;
let production: RawStackConfig;

beforeAll(async () => {
  staging = await rawStackConfig("staging");
  production = await rawStackConfig("production");
});

/** The key paths of the table, as `withValues` takes them (first item of a list). */
const firstItem = (path: string) => path.replace("[]", "[0]");

/** An adopter's own values at every key of the table. */
const OWN: Record<string, unknown> = {
  "digitalocean.team": "northwind-production",
  "domain.zone": "northwind.dev",
  "domain.appHost": "app.northwind.dev",
  "domain.assetsHost": "assets.northwind.dev",
  "registry.name": "northwind-platform",
  "edge.accountId": "3f9c2a71e84b4d06a5c1e2f7b9d08a64",
  "edge.zoneId": "a81d4c3e9f2b47d6b0e5c8a1f3d92e70",
  "aws.accountId": "493817265504",
  "github.owner": "northwind",
  "monitoring.alertEmails[0]": "oncall@northwind.dev",
  "database.trustedIpRanges[0]": "81.2.69.160/28",
  "monitoring.apm.newrelicAccountId": 3904127,
  sentryDsn: "https://4f1c0b2a@o447951.ingest.sentry.io/5632410",
  logtailToken: "x7Qm2LrV9sKp3NwT",
  papertrailEndpoint: "syslog+tls://logs3.papertrailapp.com:28413",
  datadogApiKey: "9b0e7c4f1a2d3e5b6c8a7f9e0d1c2b3a",
  slackWebhookUrl: "https://hooks.slack.com/services/T04QX7Z1R/B06KD2M8P/q8Zr2LmT6vNw",
  apmIngestKey: "eu01xx9b0e7c4f1a2d3e5b6c8a7f9e0dNRAL",
};

describe("example values", () => {
  it("are every value the shipped stack files hold at the table's keys", () => {
    const keys = (raw: RawStackConfig) => exampleValuesIn(raw).map((found) => found.key);
    const expected = SHIPPED_EXAMPLE_KEYS;
    expect(keys(staging)).toEqual(expected);
    expect(keys(production)).toEqual(expected);
  });

  it("include the schema's example at every key of the table, which a fix never pastes", () => {
    for (const { path } of EXAMPLE_VALUES) {
      const [list, item] = path.split("[]");
      const example =
        item === undefined
          ? exampleAt(path.split("."))
          : (exampleAt((list ?? "").split(".")) as unknown[])[0];
      expect({ path, standIn: exampleStandIn(firstItem(path), example) }).toEqual({
        path,
        standIn: expect.stringMatching(/^<.+>$/) as unknown,
      });
    }
  });

  it("are none once each key holds an adopter's own value", () => {
    expect(Object.keys(OWN).map((key) => key.replace("[0]", "[]"))).toEqual(
      EXAMPLE_VALUES.map((entry) => entry.path),
    );
    const secrets = Object.keys(OWN).filter((key) => !key.includes("."));
    const own = withValues(
      { ...production, secretKeys: new Set([...production.secretKeys, ...secrets]) },
      OWN,
    );
    expect(exampleValuesIn(own)).toEqual([]);
    expect(() => {
      refuseExampleValues(own, false);
    }).not.toThrow();
  });

  it.each([
    ["0123456789abcdef0123456789abcdef", true],
    ["fedcba9876543210fedcba9876543210", true],
    ["00112233445566778899aabbccddeeff", true],
    ["00000000000000000000000000000000", true],
    [randomBytes(16).toString("hex"), false],
    ["a81d4c3e9f2b47d6b0e5c8a1f3d92e70", false],
  ])("read a hex id %s as typed: %s", (id, typed) => {
    expect(looksTyped(id, "0123456789abcdef")).toBe(typed);
  });

  it.each([
    ["111111111111", true],
    ["123456789012", true],
    ["111122223333", true],
    ["987654321098", true],
    ["493817265504", false],
    ["x", false],
  ])("read an account id %s as typed: %s", (id, typed) => {
    expect(looksTyped(id, "0123456789")).toBe(typed);
  });

  it("count an AWS account written as a bare number by its twelve digits", () => {
    const raw = withValues(staging, { "aws.accountId": 0 });
    expect(exampleValuesIn(raw).map((found) => found.key)).toContain("platform:aws.accountId");
  });

  it.each([
    ["example.com", true],
    ["app.EXAMPLE.org.", true],
    ["assets.example-staging.com", true],
    ["shop.test", true],
    ["example", true],
    ["northwind.dev", false],
    ["myexample.com", false],
  ])("read the host %s as an example: %s", (host, example) => {
    expect(isExampleHost(host)).toBe(example);
  });

  it("show no secret's value, and name what belongs in each fix", () => {
    const raw = withValues(
      { ...staging, secretKeys: new Set([...staging.secretKeys, "slackWebhookUrl"]) },
      { slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" },
    );
    const [slack] = exampleValueProblems(exampleValuesIn(raw)).filter(
      (problem) => problem.key === "platform:slackWebhookUrl",
    );
    expect(slack).toEqual({
      key: "platform:slackWebhookUrl",
      found: "the example value of the config reference (the secret's value is not shown)",
      allowed: "your Slack incoming webhook URL: Slack: your Slack app's Incoming Webhooks page",
      fix: "pulumi config set --secret slackWebhookUrl '<your Slack incoming webhook URL>'",
    });
  });

  it("are counted offline without the secrets, which the plan fakes with these very examples", async () => {
    const file = await readStack("staging");
    const secret = {
      ...file,
      values: { ...file.values, "platform:sentryDsn": "https://public@o0.ingest.sentry.io/0" },
      secretKeys: [...file.secretKeys, "platform:sentryDsn"],
    };
    expect(offlineExampleValues(secret).map((found) => found.key)).toEqual(
      exampleValuesIn(staging).map((found) => found.key),
    );
  });

  it("stop a real run, listing each, and let a mocked one pass", () => {
    expect(() => {
      refuseExampleValues(staging, true);
    }).not.toThrow();
    let error: unknown;
    try {
      refuseExampleValues(staging, false);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(10);
  });
});

describe("the runtime", () => {
  it("is real unless the SDK's mocks are installed, and mocked once they are", async () => {
    expect(underMockRuntime()).toBe(false);
    await pulumi.runtime.setMocks(
      {
        newResource: ({ name }) => ({ id: name, state: {} }),
        call: () => ({}),
      },
      "platform",
      "staging",
    );
    expect(underMockRuntime()).toBe(true);
  });
});
