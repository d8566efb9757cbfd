// Runs the api as production does (`node src/server.ts`, configured by environment) in a child
// process, and collects its JSON log lines.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  logs: LogLine[];
  /** Lines the process wrote to stderr. */
  stderr: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(): Promise<void>;
}

const apiRoot = fileURLToPath(new URL("../..", import.meta.url));

export async function startApi(
  env: Record<string, string>,
  options: { awaitListening?: boolean; nodeArgs?: readonly string[] } = {},
): Promise<ApiProcess> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "src/server.ts"], {
    cwd: apiRoot,
    env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  const exited = once(child, "exit").then(([code]) => code as number | null);

  createInterface({ input: child.stdout }).on("line", (text) => {
    try {
      logs.push(JSON.parse(text) as LogLine);
    } catch {
      logs.push({ level: "unparsed", msg: text });
    }
    for (const wake of waiters) wake();
  });
  createInterface({ input: child.stderr }).on("line", (text) => stderr.push(text));

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        const tail = [...logs.slice(-10).map((line) => JSON.stringify(line)), ...stderr];
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; last output:\n${tail.join("\n")}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  async function stop(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  }

  if (options.awaitListening === false) {
    return { url: "", child, logs, stderr, exited, waitForLog, stop };
  }
  const ready = await Promise.race([
    waitForLog((line) => line.msg === "accepting connections"),
    exited.then((code) => {
      throw new Error(`api exited with ${String(code)} before listening: ${stderr.join("\n")}`);
    }),
  ]);
  const port = ready.port;
  if (typeof port !== "number") throw new Error("listening log line has no port");

  return { url: `http://127.0.0.1:${port}`, child, logs, stderr, exited, waitForLog, stop };
}
