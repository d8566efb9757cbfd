// Production with New Relic as the APM backend: the EU endpoint, the alert policy with its two
// NRQL conditions, and the workflow to the one alert route.
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../../tools/plan/render.ts";
import { cleanManifest, withApm } from "../support/stack-overrides.ts";
import { envOf, serviceOf, TYPES } from "../support/program.ts";

let manifest: Manifest;

beforeAll(async () => {
  manifest = await cleanManifest(
    "production",
    await withApm({ provider: "newrelic", newrelicRegion: "EU", newrelicAccountId: 1234567 }),
  );
});

const ofType = (type: string) => manifest.resources.filter((resource) => resource.type === type);

describe("APM with newrelic", () => {
  it("sends both services' telemetry to the EU endpoint", () => {
    for (const app of ofType(TYPES.app)) {
      const spec = app.inputs.spec as Parameters<typeof serviceOf>[0];
      for (const name of ["web", "api"]) {
        expect(envOf(serviceOf(spec, name), "OTEL_EXPORTER_OTLP_ENDPOINT")?.value).toBe(
          "https://otlp.eu01.nr-data.net",
        );
      }
    }
  });

  it("alerts on the api's error rate and p95 latency through a policy of the configured account", () => {
    const where =
      "WHERE service.name = 'api' AND deployment.environment.name = 'production' AND span.kind = 'server'";
    expect(
      ofType("newrelic:index/nrqlAlertCondition:NrqlAlertCondition").map((condition) => [
        (condition.inputs.nrql as { query: string }).query,
        condition.inputs.critical,
      ]),
      // Once above over one five-minute window: a quiet minute (no spans, no data point) cannot
      // hold an alert back, as it would with five one-minute windows all above.
    ).toEqual([
      [
        `SELECT percentage(count(*), WHERE otel.status_code = 'ERROR') FROM Span ${where}`,
        {
          operator: "above",
          threshold: 5,
          thresholdDuration: 300,
          thresholdOccurrences: "at_least_once",
        },
      ],
      [
        `SELECT percentile(duration.ms, 95) FROM Span ${where}`,
        {
          operator: "above",
          threshold: 1000,
          thresholdDuration: 300,
          thresholdOccurrences: "at_least_once",
        },
      ],
    ]);
    for (const condition of ofType("newrelic:index/nrqlAlertCondition:NrqlAlertCondition")) {
      expect(condition.inputs).toMatchObject({ aggregationWindow: 300, aggregationDelay: "120" });
    }
    expect(ofType("pulumi:providers:newrelic").map((provider) => provider.inputs)).toEqual([
      // The provider marks its account id secret itself.
      expect.objectContaining({ accountId: "[secret]", region: "EU" }),
    ]);
    expect(manifest.resources.some((r) => r.type.startsWith("datadog:"))).toBe(false);
  });

  it("routes the policy's issues to the alert e-mails and the Slack webhook", () => {
    const destinations = ofType("newrelic:index/notificationDestination:NotificationDestination");
    expect(destinations.map((destination) => destination.inputs.type)).toEqual([
      "EMAIL",
      "WEBHOOK",
    ]);
    expect(destinations[0]?.inputs.properties).toEqual([
      { key: "email", value: "oncall@example.com" },
    ]);
    expect(destinations[1]?.secretInputs).toContain("secureUrl.secureSuffix");
    const [workflow] = ofType("newrelic:index/workflow:Workflow");
    expect(workflow?.inputs.destinations).toHaveLength(2);
    expect(workflow?.inputs.issuesFilter).toMatchObject({
      type: "FILTER",
      predicates: [{ attribute: "labels.policyIds", operator: "EXACTLY_MATCHES" }],
    });
  });
});
