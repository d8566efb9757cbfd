// An in-process OTLP/HTTP receiver: stands in for New Relic's or Datadog's intake, accepts what the
// exporters send to /v1/traces and /v1/metrics (protobuf or JSON, gzip or not) and decodes the parts
// the tests look at. The protobuf reader below knows just the fields of the OTLP messages
// (opentelemetry-proto: trace/v1/trace.proto, metrics/v1/metrics.proto, common/v1/common.proto)
// that the assertions need; everything else is skipped by wire type.
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export type AttributeValue = string | number | boolean | null | AttributeValue[];
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Attributes;
  resource: Attributes;
  scope: string;
}

export interface ReceivedMetric {
  name: string;
  /** "sum", "gauge", "histogram", ... */
  type: string;
  /** OTLP AggregationTemporality: 1 delta, 2 cumulative, 0 none (gauges). */
  temporality: number;
  points: Attributes[];
  resource: Attributes;
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export interface OtlpReceiver {
  /** Base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  requests: ReceivedRequest[];
  spans: ReceivedSpan[];
  metrics: ReceivedMetric[];
  close(): Promise<void>;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ReceivedRequest[] = [];
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "";
      requests.push({ path, headers: request.headers });
      let body = Buffer.concat(chunks);
      if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      const json = (request.headers["content-type"] ?? "").startsWith("application/json");
      if (path === "/v1/traces") {
        spans.push(...(json ? spansFromJson(body) : spansFromProtobuf(body)));
      } else if (path === "/v1/metrics") {
        metrics.push(...(json ? metricsFromJson(body) : metricsFromProtobuf(body)));
      }
      // An empty Export*ServiceResponse: everything accepted.
      response
        .writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" })
        .end(json ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requests,
    spans,
    metrics,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

// --- protobuf ---------------------------------------------------------------------------------

type WireValue = bigint | Buffer;

/** The fields of one protobuf message, in order: [field number, value]. */
function* fields(message: Buffer): Generator<[number, WireValue]> {
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = message[offset++];
      if (byte === undefined) throw new Error("truncated varint");
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < message.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield [field, varint()];
    else if (wire === 1) {
      yield [field, message.subarray(offset, offset + 8)];
      offset += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      yield [field, message.subarray(offset, offset + length)];
      offset += length;
    } else if (wire === 5) {
      yield [field, message.subarray(offset, offset + 4)];
      offset += 4;
    } else throw new Error(`unsupported wire type ${String(wire)}`);
  }
}

function repeated(message: Buffer, field: number): Buffer[] {
  return [...fields(message)]
    .filter(([number, value]) => number === field && Buffer.isBuffer(value))
    .map(([, value]) => value as Buffer);
}

function single(message: Buffer, field: number): WireValue | undefined {
  return [...fields(message)].find(([number]) => number === field)?.[1];
}

const text = (value: WireValue | undefined) => (Buffer.isBuffer(value) ? value.toString() : "");
const hex = (value: WireValue | undefined) => (Buffer.isBuffer(value) ? value.toString("hex") : "");
const integer = (value: WireValue | undefined) => (typeof value === "bigint" ? Number(value) : 0);

function anyValue(message: Buffer): AttributeValue {
  for (const [field, value] of fields(message)) {
    if (field === 1) return text(value);
    if (field === 2) return value === 1n;
    if (field === 3) return Number(BigInt.asIntN(64, value as bigint));
    if (field === 4) return (value as Buffer).readDoubleLE(0);
    if (field === 5) return repeated(value as Buffer, 1).map(anyValue);
  }
  return null;
}

function attributes(message: Buffer, field: number): Attributes {
  return Object.fromEntries(
    repeated(message, field).map((pair) => {
      const value = single(pair, 2);
      return [text(single(pair, 1)), Buffer.isBuffer(value) ? anyValue(value) : null];
    }),
  );
}

function resourceOf(message: Buffer): Attributes {
  const resource = single(message, 1);
  return Buffer.isBuffer(resource) ? attributes(resource, 1) : {};
}

function spansFromProtobuf(body: Buffer): ReceivedSpan[] {
  return repeated(body, 1).flatMap((resourceSpans) => {
    const resource = resourceOf(resourceSpans);
    return repeated(resourceSpans, 2).flatMap((scopeSpans) => {
      const scopeMessage = single(scopeSpans, 1);
      const scope = Buffer.isBuffer(scopeMessage) ? text(single(scopeMessage, 1)) : "";
      return repeated(scopeSpans, 2).map((span) => ({
        traceId: hex(single(span, 1)),
        spanId: hex(single(span, 2)),
        parentSpanId: hex(single(span, 4)),
        name: text(single(span, 5)),
        kind: integer(single(span, 6)),
        attributes: attributes(span, 9),
        resource,
        scope,
      }));
    });
  });
}

// Metric.data oneof: field number -> [type, field of the data points, field of the temporality].
const METRIC_DATA: Record<number, [string, number | undefined]> = {
  5: ["gauge", undefined],
  7: ["sum", 2],
  9: ["histogram", 2],
  10: ["exponentialHistogram", 2],
  11: ["summary", undefined],
};
// Where each data point type keeps its attributes.
const POINT_ATTRIBUTES: Record<string, number> = {
  gauge: 7,
  sum: 7,
  histogram: 9,
  exponentialHistogram: 1,
  summary: 7,
};

function metricsFromProtobuf(body: Buffer): ReceivedMetric[] {
  return repeated(body, 1).flatMap((resourceMetrics) => {
    const resource = resourceOf(resourceMetrics);
    return repeated(resourceMetrics, 2).flatMap((scopeMetrics) =>
      repeated(scopeMetrics, 2).flatMap((metric) => {
        for (const [field, value] of fields(metric)) {
          const data = METRIC_DATA[field];
          if (data === undefined || !Buffer.isBuffer(value)) continue;
          const [type, temporalityField] = data;
          return [
            {
              name: text(single(metric, 1)),
              type,
              temporality:
                temporalityField === undefined ? 0 : integer(single(value, temporalityField)),
              points: repeated(value, 1).map((point) =>
                attributes(point, POINT_ATTRIBUTES[type] ?? 7),
              ),
              resource,
            },
          ];
        }
        return [];
      }),
    );
  });
}

// --- JSON (OTLP/HTTP JSON: ids in hex, enums as numbers, int64 as strings) ---------------------

interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}

function jsonValue(value: JsonAnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(jsonValue);
  return null;
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Attributes {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, jsonValue(value)]));
}

function spansFromJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString()) as {
    resourceSpans?: {
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans?: {
        scope?: { name?: string };
        spans?: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: JsonKeyValue[];
        }[];
      }[];
    }[];
  };
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = jsonAttributes(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? "",
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        resource,
        scope: scopeSpans.scope?.name ?? "",
      })),
    );
  });
}

interface JsonMetricData {
  dataPoints?: { attributes?: JsonKeyValue[] }[];
  aggregationTemporality?: number;
}

function metricsFromJson(body: Buffer): ReceivedMetric[] {
  const request = JSON.parse(body.toString()) as {
    resourceMetrics?: {
      resource?: { attributes?: JsonKeyValue[] };
      scopeMetrics?: { metrics?: ({ name: string } & Record<string, JsonMetricData | string>)[] }[];
    }[];
  };
  return (request.resourceMetrics ?? []).flatMap((resourceMetrics) => {
    const resource = jsonAttributes(resourceMetrics.resource?.attributes);
    return (resourceMetrics.scopeMetrics ?? []).flatMap((scopeMetrics) =>
      (scopeMetrics.metrics ?? []).flatMap((metric) => {
        const type = Object.keys(POINT_ATTRIBUTES).find((key) => key in metric);
        const data = type === undefined ? undefined : (metric[type] as JsonMetricData);
        if (type === undefined || data === undefined) return [];
        return [
          {
            name: metric.name,
            type,
            temporality: data.aggregationTemporality ?? 0,
            points: (data.dataPoints ?? []).map((point) => jsonAttributes(point.attributes)),
            resource,
          },
        ];
      }),
    );
  });
}
