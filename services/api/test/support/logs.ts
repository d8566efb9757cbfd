import { Writable } from "node:stream";
import type { Logger } from "pino";
import { createLogger } from "../../src/logger.ts";

/** A real pino logger whose JSON lines land in an array the test can read. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("info", stream), lines };
}
