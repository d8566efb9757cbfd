// A first `pulumi preview` with Slack alerts: the Datadog webhook does not exist yet, so its id is
// unknown, and the provider validates each monitor against Datadog's API at plan time. The
// monitors' messages, which mention the webhook, must then be unknown too, so that validation
// never judges a mention of a webhook Datadog does not have. Its own process (a vitest file):
// Pulumi's mock runtime is per process.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ApmMonitors } from "../../infra/observability/apm-monitors.ts";

const WEBHOOK = "datadog:index/webhook:Webhook";
const MONITOR = "datadog:index/monitor:Monitor";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

async function preview(existingWebhook: boolean): Promise<Registered[]> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        registered.push({ type, name, inputs: inputs as Record<string, unknown> });
        // An empty id in a preview is an unknown one: a resource still to be created.
        const id = type === WEBHOOK && !existingWebhook ? "" : `${name}-id`;
        return { id, state: inputs as Record<string, unknown> };
      },
      call: () => ({}),
    },
    "platform",
    "production",
    true,
  );
  new ApmMonitors("apm-api", {
    backend: { provider: "datadog", site: "datadoghq.eu" },
    service: "api",
    environment: "production",
    errorRatePercent: 5,
    p95LatencyMs: 800,
    route: {
      emails: ["oncall@example.com"],
      slack: { webhookUrl: "https://hooks.slack.com/services/T0/B0/x", channel: "#alerts" },
    },
  });
  // Registration is asynchronous, and a monitor waits for the webhook's registration.
  await vi.waitFor(() => {
    expect(registered.filter(({ type }) => type === MONITOR)).toHaveLength(2);
  });
  return registered;
}

describe("Datadog monitors in a preview", () => {
  let first: Registered[];
  let next: Registered[];

  beforeAll(async () => {
    first = await preview(false);
    next = await preview(true);
  });

  it("leave the message unknown while the webhook it mentions is still to be created", () => {
    const monitors = first.filter(({ type }) => type === MONITOR);
    expect(monitors.map(({ name }) => name)).toEqual(["apm-api-errors", "apm-api-latency"]);
    for (const monitor of monitors) {
      expect(pulumi.isUnknown(monitor.inputs.message)).toBe(true);
      // Only the message waits: the query is still known, so the provider validates it.
      expect(monitor.inputs.query).toEqual(expect.stringContaining("service:api,env:production"));
    }
  });

  it("send the message, with the mention, once the webhook exists", () => {
    const messages = next
      .filter(({ type }) => type === MONITOR)
      .map(({ inputs }) => inputs.message);
    expect(messages).toEqual([
      "api (production) error rate above 5%. @oncall@example.com @webhook-platform-production-api-slack",
      "api (production) p95 latency above 800 ms. @oncall@example.com @webhook-platform-production-api-slack",
    ]);
  });
});
