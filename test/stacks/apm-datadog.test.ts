// Production with Datadog as the APM backend and a Slack webhook: the services' OTLP env, the
// monitors on the api's trace metrics, and the one alert route carrying Slack everywhere.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { SPAN_OPERATIONS } from "@platform/runtime/contract";
import { SERVER_SPAN_OPERATION } from "../../infra/observability/apm-monitors.ts";
import { fakeSecret } from "../../tools/mock/run-stack.ts";
import type { Manifest } from "../../tools/plan/render.ts";
import { cleanManifest, withApm } from "../support/stack-overrides.ts";
import { envOf, serviceOf, TYPES } from "../support/program.ts";

const T = {
  alert: "digitalocean:index/uptimeAlert:UptimeAlert",
  notificationPolicy: "cloudflare:index/notificationPolicy:NotificationPolicy",
  monitor: "datadog:index/monitor:Monitor",
  webhook: "datadog:index/webhook:Webhook",
  provider: "pulumi:providers:datadog",
} as const;

let manifest: Manifest;

beforeAll(async () => {
  manifest = await cleanManifest(
    "production",
    await withApm({ provider: "datadog", datadogSite: "datadoghq.eu" }),
  );
});

const ofType = (type: string) => manifest.resources.filter((resource) => resource.type === type);

describe("APM with datadog", () => {
  it("hands both services the site's OTLP intake, the key only as a SECRET, and their release", () => {
    for (const app of ofType(TYPES.app)) {
      const spec = app.inputs.spec as Parameters<typeof serviceOf>[0];
      for (const name of ["web", "api"]) {
        const service = serviceOf(spec, name);
        expect(envOf(service, "OTEL_EXPORTER_OTLP_ENDPOINT")).toMatchObject({
          value: "https://otlp.datadoghq.eu",
          type: "GENERAL",
        });
        expect(envOf(service, "OTEL_EXPORTER_OTLP_HEADERS")).toMatchObject({
          value: "[secret]",
          type: "SECRET",
        });
        expect(envOf(service, "OTEL_SERVICE_NAME")?.value).toBe(name);
        expect(envOf(service, "OTEL_RESOURCE_ATTRIBUTES")?.value).toMatch(
          /^deployment\.environment\.name=production,service\.version=sha256:[0-9a-f]{64}$/,
        );
      }
    }
    expect(JSON.stringify(manifest)).not.toContain(fakeSecret("apmIngestKey"));
  });

  it("watches the api's error rate and p95 latency on its trace metrics, through the site's API", async () => {
    expect(
      ofType(T.monitor).map((monitor) => [monitor.inputs.query, monitor.inputs.monitorThresholds]),
    ).toEqual([
      [
        "sum(last_5m):100 * sum:trace.http.server.request.errors{service:api,env:production}.as_count() / sum:trace.http.server.request.hits{service:api,env:production}.as_count() > 5",
        { critical: "5" },
      ],
      [
        "percentile(last_5m):p95:trace.http.server.request{service:api,env:production} > 1",
        { critical: "1" },
      ],
    ]);
    // The metrics exist only if the api's server spans carry that operation name (the api's
    // telemetry test asserts it on a real span).
    expect(SERVER_SPAN_OPERATION).toBe("http.server.request");
    const apiTelemetry = await readFile(
      new URL("../../services/api/src/telemetry.ts", import.meta.url),
      "utf8",
    );
    expect(apiTelemetry).toContain('"operation.name": SPAN_OPERATIONS.httpServer');
    expect(SPAN_OPERATIONS.httpServer).toBe(SERVER_SPAN_OPERATION);
    expect(ofType(T.provider).map((provider) => provider.inputs.apiUrl)).toEqual([
      "https://api.datadoghq.eu/",
    ]);
    for (const monitor of ofType(T.monitor)) {
      expect(monitor.dependsOn).toContain(ofType(T.webhook)[0]?.urn);
    }
    expect(manifest.resources.some((r) => r.type.startsWith("newrelic:"))).toBe(false);
  });

  it("carries the Slack webhook to the uptime alerts, the load balancer and the monitors alike", () => {
    for (const alert of ofType(T.alert)) {
      expect(alert.inputs.notifications).toEqual([
        {
          emails: ["oncall@example.com"],
          slacks: [{ channel: "#platform-alerts", url: "[secret]" }],
        },
      ]);
    }
    const [policy] = ofType(T.notificationPolicy);
    expect(policy?.inputs.mechanisms).toMatchObject({
      emails: [{ id: "oncall@example.com" }],
      webhooks: [{ id: expect.any(String) as unknown }],
    });
    const [monitor] = ofType(T.monitor);
    expect(monitor?.inputs.message).toMatch(
      / @oncall@example\.com @webhook-platform-production-api-slack$/,
    );
    expect(ofType(T.webhook)[0]?.inputs).toMatchObject({
      // Datadog's id for a webhook is its name: one per stack, as stacks share organisations.
      name: "platform-production-api-slack",
      url: "[secret]",
    });
  });

  it("gives Cloudflare the Slack URL with its last segment apart, as the secret", () => {
    const hooks = ofType("cloudflare:index/notificationPolicyWebhooks:NotificationPolicyWebhooks");
    expect(hooks.map((hook) => hook.secretInputs)).toEqual([["secret", "url"]]);
  });
});
