import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../stacks/config/schema.ts";
import type { ProgramRun } from "../../tools/mock/run-program.ts";
import { fakeSecret, runStack } from "../../tools/mock/run-stack.ts";
import { stackConfigFromYaml } from "../../stacks/config/stack-file.ts";
import { renderManifest } from "../../tools/plan/render.ts";
import {
  appSpecOf,
  envOf,
  outputsOf,
  resourceNamed,
  serviceOf,
  TYPES,
} from "../support/program.ts";
import { patchedConfig } from "../support/stack-overrides.ts";

const fixture = fileURLToPath(
  new URL("../fixtures/Pulumi.staging-integrations.yaml", import.meta.url),
);
let run: ProgramRun;

beforeAll(async () => {
  // The staging stack plus the fixture's secure values, as `pulumi config set --secret` leaves them.
  const integrations = stackConfigFromYaml(await readFile(fixture, "utf8"), "platform", fakeSecret);
  run = await runStack("staging", {
    configOverrides: {
      ...integrations.values,
      // Slack alerts through Cloudflare need a Pro zone in the account: staging's account also
      // holds production's (edge.accountPlan).
      ...(await patchedConfig("staging", { edge: { accountPlan: "pro" } })),
    },
    secretOverrides: integrations.secretKeys,
  });
});

describe("optional integrations", () => {
  it("switch on when their secret is set", () => {
    expect(run.errors).toEqual([]);
    expect(outputsOf(run)).toMatchObject({
      platform: {
        integrations: {
          sentry: true,
          logDrains: ["logtail", "papertrail", "datadog"],
          slackAlerts: true,
        },
      },
    });
  });

  it("hand Sentry's DSN to both services as a SECRET env var", () => {
    const spec = appSpecOf(resourceNamed(run, TYPES.app, "app-fra-app"));
    for (const name of ["web", "api"]) {
      expect(envOf(serviceOf(spec, name), "SENTRY_DSN")).toMatchObject({
        type: "SECRET",
        value: fakeSecret("sentryDsn"),
      });
      expect(envOf(serviceOf(spec, name), "SENTRY_ENVIRONMENT")).toMatchObject({
        type: "GENERAL",
        value: "staging",
      });
    }
  });

  it("drain every service's logs to each configured destination", () => {
    const spec = appSpecOf(resourceNamed(run, TYPES.app, "app-fra-app"));
    for (const service of spec.services) {
      expect(service.logDestinations).toEqual([
        { name: "logtail", logtail: { token: fakeSecret("logtailToken") } },
        { name: "papertrail", papertrail: { endpoint: fakeSecret("papertrailEndpoint") } },
        { name: "datadog", datadog: { apiKey: fakeSecret("datadogApiKey") } },
      ]);
    }
  });

  it("send alerts to Slack as well as e-mail", () => {
    const spec = appSpecOf(resourceNamed(run, TYPES.app, "app-fra-app"));
    expect(spec.alerts[0]?.destinations).toEqual({
      emails: ["platform-staging@example.com"],
      slackWebhooks: [{ url: fakeSecret("slackWebhookUrl"), channel: "#platform-alerts" }],
    });
  });

  it("never put a secret value into the outputs or the manifest", () => {
    const manifest = renderManifest("staging", run);
    for (const key of SECRET_KEYS) expect(manifest).not.toContain(fakeSecret(key));
  });
});
