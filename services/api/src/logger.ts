import type pino from "pino";
import type { Logger } from "pino";
import { createLogger as serviceLogger } from "@platform/runtime/logger";
import type { LogLevel } from "@platform/runtime/env";

/** The api's JSON lines (@platform/runtime/logger), `service: "api"` on each. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return serviceLogger("api", level, destination);
}
