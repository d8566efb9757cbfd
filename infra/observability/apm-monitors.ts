// Monitors where the traces land: a service's error rate and p95 latency, as Datadog monitors or
// New Relic alert conditions, notifying the platform's one alert route. Only the chosen backend's
// resources exist.
import { datadog } from "../sdk/datadog.ts";
import { newrelic } from "../sdk/newrelic.ts";
import * as pulumi from "@pulumi/pulumi";
import { SPAN_OPERATIONS } from "@platform/runtime/contract";
import type { AlertRoutes } from "./alert-routes.ts";
import type { ApmBackend } from "./apm.ts";
import { environmentPrefix, PlatformComponent } from "../core/component.ts";

export interface ApmMonitorsArgs {
  backend: ApmBackend;
  /** `service.name` of the monitored service, e.g. `items`. */
  service: string;
  /** `deployment.environment.name`, e.g. `production`. */
  environment: string;
  /** Share of failed requests, in percent, above which the error alert fires. */
  errorRatePercent: number;
  /** p95 server latency, in milliseconds, above which the latency alert fires. */
  p95LatencyMs: number;
  route: AlertRoutes;
}

export interface ApmMonitorDescription {
  backend: ApmBackend["provider"];
  name: string;
  query: string;
  threshold: number;
}

/**
 * The `operation.name` the services give their server spans, from the contract they share with
 * the stacks (@platform/runtime/contract), which Datadog names their trace metrics after.
 */
export const SERVER_SPAN_OPERATION = SPAN_OPERATIONS.httpServer;

/** Datadog's queries over the trace metrics the intake computes for the service's server spans. */
export function datadogQueries(args: ApmMonitorsArgs): { errors: string; latency: string } {
  const scope = `{service:${args.service},env:${args.environment}}`;
  const metric = `trace.${SERVER_SPAN_OPERATION}`;
  return {
    // trace.<operation>.errors / .hits are counts; trace.<operation> is a latency distribution in
    // seconds (Datadog docs, "Trace metrics" namespace and DDSketch percentiles). The operation is
    // the services' server spans' `operation.name` (SERVER_SPAN_OPERATION).
    errors: `sum(last_5m):100 * sum:${metric}.errors${scope}.as_count() / sum:${metric}.hits${scope}.as_count() > ${args.errorRatePercent}`,
    latency: `percentile(last_5m):p95:${metric}${scope} > ${args.p95LatencyMs / 1000}`,
  };
}

/** New Relic's NRQL over the service's server spans (`otel.status_code`, `duration.ms`). */
export function newRelicQueries(args: ApmMonitorsArgs): { errors: string; latency: string } {
  const where = `WHERE service.name = '${args.service}' AND deployment.environment.name = '${args.environment}' AND span.kind = 'server'`;
  return {
    errors: `SELECT percentage(count(*), WHERE otel.status_code = 'ERROR') FROM Span ${where}`,
    latency: `SELECT percentile(duration.ms, 95) FROM Span ${where}`,
  };
}

export class ApmMonitors extends PlatformComponent {
  readonly descriptions: ApmMonitorDescription[];

  constructor(name: string, args: ApmMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("observability", "ApmMonitors", name, opts);
    this.descriptions =
      args.backend.provider === "datadog" ? this.datadog(name, args) : this.newRelic(name, args);
    this.registerOutputs({});
  }

  private datadog(name: string, args: ApmMonitorsArgs): ApmMonitorDescription[] {
    if (args.backend.provider !== "datadog") return [];
    // The organisation's site decides the API host (api.datadoghq.eu for the EU site); the keys
    // come from DD_API_KEY and DD_APP_KEY (an application key with monitors_write), which the
    // provider reads when its arguments are unset.
    const provider = new datadog.Provider(
      `${name}-datadog`,
      { apiUrl: `https://api.${args.backend.site}/` },
      { parent: this },
    );
    const onDatadog = { parent: this, provider };
    const slack = args.route.slack;
    // Datadog reaches a Slack incoming webhook through a webhook of its own, mentioned as
    // @webhook-<name> (no Slack integration needed: Datadog docs, Webhooks integration).
    // Datadog identifies a webhook by its name (terraform-provider-datadog
    // resource_datadog_webhook.go: the id is the name), and stacks often share an organisation.
    const webhookName = `${environmentPrefix(args.environment)}-${args.service}-slack`;
    const webhook =
      slack === undefined
        ? undefined
        : new datadog.Webhook(
            `${name}-slack`,
            {
              name: webhookName,
              url: pulumi.secret(slack.webhookUrl),
              encodeAs: "json",
              // An incoming webhook posts to its own channel; Slack ignores a `channel` key.
              payload: JSON.stringify({ text: "$EVENT_TITLE: $LINK" }),
            },
            onDatadog,
          );
    const mentions = [
      ...args.route.emails.map((email) => `@${email}`),
      ...(slack === undefined ? [] : [`@webhook-${webhookName}`]),
    ].join(" ");
    const queries = datadogQueries(args);
    const monitors = [
      {
        kind: "errors",
        title: `${args.service} (${args.environment}) error rate above ${args.errorRatePercent}%`,
        query: queries.errors,
        threshold: args.errorRatePercent,
      },
      {
        kind: "latency",
        title: `${args.service} (${args.environment}) p95 latency above ${args.p95LatencyMs} ms`,
        query: queries.latency,
        threshold: args.p95LatencyMs / 1000,
      },
    ];
    // The provider validates every monitor against Datadog's API at plan time, message included
    // (terraform-provider-datadog resource_datadog_monitor.go, resourceDatadogMonitorCustomizeDiff,
    // POST /api/v1/monitor/validate), and whether that endpoint accepts a mention of a webhook
    // Datadog does not have yet is documented nowhere. Tied to the webhook's id, the message is
    // unknown while the webhook is still to be created, and the first preview validates the
    // query and thresholds with an empty message (buildMonitorStruct reads "" for an unknown);
    // once the webhook exists, every preview validates the message too.
    // (test/infra/apm-monitors-preview.test.ts)
    const messageOf = (text: string): pulumi.Input<string> =>
      webhook === undefined ? text : webhook.id.apply(() => text);
    for (const monitor of monitors) {
      new datadog.Monitor(
        `${name}-${monitor.kind}`,
        {
          name: monitor.title,
          type: "query alert",
          query: monitor.query,
          message: messageOf(`${monitor.title}. ${mentions}`),
          monitorThresholds: { critical: String(monitor.threshold) },
          tags: [`service:${args.service}`, `env:${args.environment}`, "managed-by:pulumi"],
          // No traffic is no error: silence while the service is idle.
          notifyNoData: false,
          requireFullWindow: false,
        },
        // The message mentions the webhook by name: it must exist first.
        { ...onDatadog, dependsOn: webhook === undefined ? [] : [webhook] },
      );
    }
    return monitors.map(({ title, query, threshold }) => ({
      backend: "datadog",
      name: title,
      query,
      threshold,
    }));
  }

  private newRelic(name: string, args: ApmMonitorsArgs): ApmMonitorDescription[] {
    if (args.backend.provider !== "newrelic") return [];
    // The account and its region from config; the User key (NRAK-…) from NEW_RELIC_API_KEY.
    const provider = new newrelic.Provider(
      `${name}-newrelic`,
      { accountId: String(args.backend.accountId), region: args.backend.region },
      { parent: this },
    );
    const onNewRelic = { parent: this, provider };
    const policy = new newrelic.AlertPolicy(
      `${name}-policy`,
      {
        name: `${environmentPrefix(args.environment)} ${args.service}`,
        incidentPreference: "PER_CONDITION",
      },
      onNewRelic,
    );
    const queries = newRelicQueries(args);
    const conditions = [
      {
        kind: "errors",
        title: `${args.service} error rate`,
        query: queries.errors,
        threshold: args.errorRatePercent,
      },
      {
        kind: "latency",
        title: `${args.service} p95 latency`,
        query: queries.latency,
        threshold: args.p95LatencyMs,
      },
    ];
    for (const condition of conditions) {
      new newrelic.NrqlAlertCondition(
        `${name}-${condition.kind}`,
        {
          policyId: policy.id,
          name: condition.title,
          type: "static",
          nrql: { query: condition.query },
          // One five-minute window, as Datadog's last_5m: a quiet minute has no data point and
          // would break an "all minutes above" run (only fill_option fills gaps:
          // terraform-provider-newrelic docs, nrql_alert_condition, fill_option/event_flow).
          aggregationWindow: 300,
          aggregationMethod: "event_flow",
          aggregationDelay: "120",
          critical: {
            operator: "above",
            threshold: condition.threshold,
            thresholdDuration: 300,
            thresholdOccurrences: "at_least_once",
          },
          violationTimeLimitSeconds: 86_400,
        },
        onNewRelic,
      );
    }
    // Destinations: the e-mails (one destination, comma-separated, property `email`) and the
    // Slack incoming webhook as a generic WEBHOOK (SLACK destinations cannot be created by API:
    // terraform-provider-newrelic docs, newrelic_notification_destination).
    const channels: pulumi.Output<string>[] = [];
    const email = new newrelic.NotificationDestination(
      `${name}-email`,
      {
        name: `${environmentPrefix(args.environment)} alert e-mails`,
        type: "EMAIL",
        properties: [{ key: "email", value: args.route.emails.join(",") }],
      },
      onNewRelic,
    );
    channels.push(
      new newrelic.NotificationChannel(
        `${name}-email-channel`,
        {
          name: `${environmentPrefix(args.environment)} e-mail`,
          type: "EMAIL",
          product: "IINT",
          destinationId: email.id,
          properties: [
            { key: "subject", value: `{{ issueTitle }} (${environmentPrefix(args.environment)})` },
          ],
        },
        onNewRelic,
      ).id,
    );
    const slack = args.route.slack;
    if (slack !== undefined) {
      const webhook = new newrelic.NotificationDestination(
        `${name}-slack`,
        {
          name: `${environmentPrefix(args.environment)} ${slack.channel}`,
          type: "WEBHOOK",
          // As the provider's own WEBHOOK example (website/docs/r/notification_destination).
          properties: [{ key: "source", value: "pulumi" }],
          secureUrl: {
            prefix: "https://hooks.slack.com/services/",
            secureSuffix: pulumi
              .secret(slack.webhookUrl)
              .apply((url) => url.replace("https://hooks.slack.com/services/", "")),
          },
        },
        onNewRelic,
      );
      channels.push(
        new newrelic.NotificationChannel(
          `${name}-slack-channel`,
          {
            name: `${environmentPrefix(args.environment)} ${slack.channel}`,
            type: "WEBHOOK",
            product: "IINT",
            destinationId: webhook.id,
            properties: [
              // {{json …}} escapes quotes in a title, which plain {{ }} would leave breaking the
              // JSON. Slack's incoming webhooks ignore unknown keys, so the issue's link goes in an
              // attachment's title_link (Slack API, "Legacy secondary message attachments").
              {
                key: "payload",
                value:
                  '{ "text": {{json issueTitle}}, "attachments": [{ "title": "Open the issue in New Relic", "title_link": {{json issuePageUrl}} }] }',
              },
            ],
          },
          onNewRelic,
        ).id,
      );
    }
    new newrelic.Workflow(
      `${name}-workflow`,
      {
        name: `${environmentPrefix(args.environment)} ${args.service}`,
        mutingRulesHandling: "NOTIFY_ALL_ISSUES",
        issuesFilter: {
          name: "this policy",
          type: "FILTER",
          predicates: [
            { attribute: "labels.policyIds", operator: "EXACTLY_MATCHES", values: [policy.id] },
          ],
        },
        destinations: channels.map((channelId) => ({
          channelId,
          notificationTriggers: ["ACTIVATED", "CLOSED"],
        })),
      },
      onNewRelic,
    );
    return conditions.map(({ title, query, threshold }) => ({
      backend: "newrelic",
      name: title,
      query,
      threshold,
    }));
  }
}
