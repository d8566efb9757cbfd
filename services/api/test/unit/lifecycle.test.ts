import { describe, expect, it, vi } from "vitest";
import pg from "pg";
import { gracefulShutdown } from "@platform/runtime/shutdown";
import { startMigrations } from "../../src/lifecycle.ts";
import { memoryLogger } from "../support/logs.ts";

describe("gracefulShutdown", () => {
  it("closes the server, runs the last work, then exits 0", async () => {
    const order: string[] = [];
    const exit = vi.fn((code: number) => order.push(`exit ${code}`));
    const shutdown = gracefulShutdown({
      server: { close: () => Promise.resolve(order.push("close")) },
      logger: memoryLogger().logger,
      timeoutMs: 1000,
      beforeExit: () => Promise.resolve(order.push("flush")),
      exit,
    });
    await shutdown("SIGTERM");
    expect(order).toEqual(["close", "flush", "exit 0"]);
  });

  it("exits 1 when closing outlives the deadline", async () => {
    vi.useFakeTimers();
    try {
      const exit = vi.fn();
      const { logger, lines } = memoryLogger();
      const shutdown = gracefulShutdown({
        server: { close: () => new Promise(() => undefined) },
        logger,
        timeoutMs: 5000,
        exit,
      });
      void shutdown("SIGTERM");
      await vi.advanceTimersByTimeAsync(4999);
      expect(exit).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(exit).toHaveBeenCalledWith(1);
      expect(lines.map((line) => line.msg)).toContain(
        "shutdown deadline passed with work still in flight; exiting",
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("ignores a second signal while shutting down", async () => {
    const close = vi.fn(() => Promise.resolve());
    const shutdown = gracefulShutdown({
      server: { close },
      logger: memoryLogger().logger,
      timeoutMs: 1000,
      exit: () => undefined,
    });
    await Promise.all([shutdown("SIGTERM"), shutdown("SIGINT")]);
    expect(close).toHaveBeenCalledOnce();
  });
});

describe("startMigrations", () => {
  it("keeps retrying while the database is unreachable, and stops when told", async () => {
    const pool = new pg.Pool({ connectionString: "postgres://app@127.0.0.1:1/app", max: 1 });
    const { logger, lines } = memoryLogger();
    const onFatal = vi.fn();
    const runner = startMigrations({ pool, logger, onFatal, initialDelayMs: 10, maxDelayMs: 20 });
    await vi.waitFor(() => {
      expect(
        lines.filter((line) => line.msg === "database unreachable; migrations will retry").length,
      ).toBeGreaterThanOrEqual(3);
    });
    expect(runner.isDone()).toBe(false);
    runner.stop();
    await runner.settled;
    expect(onFatal).not.toHaveBeenCalled();
    await pool.end();
  });
});
