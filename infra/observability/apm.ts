// Where traces go: the OTLP/HTTP endpoint and headers of the chosen backend, which the stack hands
// every service as standard OpenTelemetry env vars (the headers, holding the key, as a SECRET).
import * as pulumi from "@pulumi/pulumi";

export const DATADOG_SITES = [
  "datadoghq.com",
  "us3.datadoghq.com",
  "us5.datadoghq.com",
  "datadoghq.eu",
  "ap1.datadoghq.com",
  "ap2.datadoghq.com",
] as const;
export const NEWRELIC_REGIONS = ["US", "EU"] as const;

export type ApmBackend =
  | { provider: "datadog"; site: (typeof DATADOG_SITES)[number] }
  | { provider: "newrelic"; region: (typeof NEWRELIC_REGIONS)[number]; accountId: number };

/**
 * The OTLP base URL; the exporters append `/v1/traces` and `/v1/metrics`.
 * - Datadog's agentless OTLP intake: `https://otlp.<site>/v1/traces` and `/v1/metrics`
 *   (Datadog docs, OpenTelemetry > OTLP intake > traces and metrics; the host is per site and a
 *   host of another site answers 403).
 * - New Relic: `https://otlp.nr-data.net` (US) and `https://otlp.eu01.nr-data.net` (EU), port
 *   443 (New Relic docs, "OpenTelemetry: OTLP endpoint configuration").
 */
export function otlpEndpoint(backend: ApmBackend): string {
  if (backend.provider === "datadog") return `https://otlp.${backend.site}`;
  return backend.region === "EU" ? "https://otlp.eu01.nr-data.net" : "https://otlp.nr-data.net";
}

/**
 * `OTEL_EXPORTER_OTLP_HEADERS` (W3C-baggage-like `key=value` pairs, values percent-encoded).
 * Datadog: `dd-api-key`; `compute_stats=true`, without which the intake computes no trace
 * metrics (the monitors read them: Datadog docs, OTLP traces intake). The metrics' operation
 * name comes from the services' server spans themselves (`operation.name`), not from a header.
 * New Relic: `api-key` with the account's license (ingest) key.
 */
export function otlpHeaders(backend: ApmBackend, key: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .output(key)
      .apply((value) =>
        backend.provider === "datadog"
          ? [`dd-api-key=${encodeURIComponent(value)}`, "compute_stats=true"].join(",")
          : `api-key=${encodeURIComponent(value)}`,
      ),
  );
}
