import { Writable } from "node:stream";
import type { LogLevel } from "@platform/runtime/env";
import { createLogger } from "@platform/runtime/logger";

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A logger that keeps its JSON lines for the test to read. */
export function capturingLogger(level: LogLevel = "info") {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line !== "") lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  return { logger: createLogger("processor", level, stream), lines };
}
