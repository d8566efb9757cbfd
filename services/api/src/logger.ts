import pino, { type Logger } from "pino";

/** JSON lines on stdout, with level names (not numbers) and ISO times, as log drains expect. */
export function createLogger(
  level: pino.LevelWithSilent,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "api" },
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
