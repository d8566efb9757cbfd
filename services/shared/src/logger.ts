import pino, { type Logger } from "pino";
import type { LogLevel } from "./env.ts";

export type { Logger } from "pino";

/**
 * JSON lines on stdout, with level names (not numbers), ISO times and the service's name, as log
 * drains expect: one query covers every service.
 */
export function createLogger(
  service: string,
  level: LogLevel,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/**
 * pino's error serializer copies every enumerable property, and `pg` hangs its whole client
 * (connection parameters included) on some errors: keep the fields that help, drop the rest.
 */
function serializeError(error: Error): Record<string, unknown> {
  const { client: _client, ...serialized } = pino.stdSerializers.err(error) as Record<
    string,
    unknown
  >;
  return serialized;
}
