// The drill's child processes: each service (and the floor server) runs as `node <entry>` with its
// output in a log file of its own (the drill never reads it while it measures), on a fixed
// loopback port, so that a restarted process is found where the other services expect it.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import path from "node:path";

export interface ProcessSpec {
  name: string;
  entry: string;
  cwd: string;
  env: Record<string, string>;
  port: number;
  /** Ready once it answers 200 on `path`, or (a worker, with no port) once it logs `message`. */
  readyWhen: { path: string } | { message: string };
  /** Sent with the readiness probe (the origin lock). */
  headers: Record<string, string>;
}

export interface RunningProcess {
  readonly spec: ProcessSpec;
  readonly url: string;
  readonly logFile: string;
  /** SIGKILL, as a crash or the kernel's OOM killer would; resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again with the same settings; resolves at once (the load sees it come back). */
  restart(): void;
  /** Resolves once it is ready (`spec.readyWhen`) after its latest start. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

function lastLines(file: string, count: number): string {
  if (!existsSync(file)) return "(no output)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-count).join("\n");
}

/** How many lines of `file` contain `message`. */
function occurrences(file: string, message: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.includes(message)).length;
}

async function answersOk(url: string, headers: Record<string, string>): Promise<boolean> {
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function startProcess(spec: ProcessSpec, logDirectory: string): RunningProcess {
  const logFile = path.join(logDirectory, `${spec.name}.log`);
  const url = `http://127.0.0.1:${String(spec.port)}`;
  let child: ChildProcess;
  // The log is appended to across restarts: a restarted worker is ready at its own message.
  let messagesBeforeLaunch = 0;
  const isReady = (): Promise<boolean> | boolean =>
    "path" in spec.readyWhen
      ? answersOk(`${url}${spec.readyWhen.path}`, spec.headers)
      : occurrences(logFile, spec.readyWhen.message) > messagesBeforeLaunch;
  const readiness =
    "path" in spec.readyWhen
      ? `answer 200 on ${spec.readyWhen.path}`
      : `log "${spec.readyWhen.message}"`;

  const launch = () => {
    if ("message" in spec.readyWhen)
      messagesBeforeLaunch = occurrences(logFile, spec.readyWhen.message);
    // Appended: a restarted process's output follows its predecessor's.
    const output = openSync(logFile, "a");
    child = spawn(process.execPath, [spec.entry], {
      cwd: spec.cwd,
      env: { PATH: process.env.PATH ?? "", ...spec.env },
      stdio: ["ignore", output, output],
    });
    closeSync(output);
  };
  launch();

  const exited = (target: ChildProcess) =>
    target.exitCode !== null || target.signalCode !== null
      ? Promise.resolve()
      : once(target, "exit").then(() => undefined);

  return {
    spec,
    url,
    logFile,
    async kill() {
      const current = child;
      current.kill("SIGKILL");
      await exited(current);
    },
    restart: launch,
    async ready(timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      while (!(await isReady())) {
        if (child.exitCode !== null || performance.now() > deadline) {
          const state =
            child.exitCode === null
              ? `did not ${readiness} within ${String(timeoutMs / 1000)} s`
              : `exited with ${String(child.exitCode)}`;
          throw new Error(
            `${spec.name} (${spec.entry}) ${state}; its last output (${logFile}):\n${lastLines(logFile, 20)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(graceMs = 5_000) {
      const current = child;
      if (current.exitCode !== null || current.signalCode !== null) return;
      current.kill("SIGTERM");
      const timer = setTimeout(() => current.kill("SIGKILL"), graceMs);
      await exited(current);
      clearTimeout(timer);
    },
  };
}
