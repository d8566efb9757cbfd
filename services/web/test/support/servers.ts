// The web and the api as production runs them, in child processes: the web's standalone entry
// (server/main.ts beside Next's server.js, the image's CMD) and `node src/server.ts` for the api,
// each configured by its environment and observed through its output.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";

const web = path.join(import.meta.dirname, "../..");
export const standaloneEntry = path.join(web, ".next/standalone/services/web/server/main.ts");
const apiServer = path.join(web, "../api/src/server.ts");

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Every line of stdout and stderr, as it came. */
  output: string[];
  exited: Promise<number | null>;
}

/** Every child these helpers started, for the test file to stop (stopAll). */
const children: ChildProcess[] = [];

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `node [...nodeArgs] script` and resolves once a line of its output matches `ready`. */
export async function startServer(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: readonly string[] = [],
): Promise<ServerProcess & { match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const output: string[] = [];
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} did not start:\n${output.join("\n")}`));
    }, 20_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        const found = ready.exec(line);
        if (found !== null) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${String(code)}:\n${output.join("\n")}`));
    });
  });
  return { url: "", child, output, exited, match };
}

/** The api on `databaseUrl`, once it listens and its migrations have run. */
export async function startApi(
  databaseUrl: string,
  env: Record<string, string>,
  readiness: { headers: Record<string, string>; nodeArgs?: readonly string[] },
): Promise<ServerProcess> {
  const api = await startServer(
    apiServer,
    { DATABASE_URL: databaseUrl, HOST: "127.0.0.1", PORT: "0", ...env },
    /"port":(\d+),.*"msg":"accepting connections"/,
    readiness.nodeArgs,
  );
  const url = `http://127.0.0.1:${api.match[1] ?? ""}`;
  const deadline = Date.now() + 10_000;
  while (!(await fetch(`${url}/readyz`, { headers: readiness.headers }).then((r) => r.ok))) {
    if (Date.now() > deadline) throw new Error("the api did not become ready");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { ...api, url };
}

/** The web's standalone entry, once Next says it is ready. */
export async function startWeb(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<ServerProcess> {
  const port = await freePort();
  const server = await startServer(
    standaloneEntry,
    { NEXT_TELEMETRY_DISABLED: "1", HOSTNAME: "127.0.0.1", PORT: String(port), ...env },
    /Ready in/,
    nodeArgs,
  );
  return { ...server, url: `http://127.0.0.1:${String(port)}` };
}

/** Kills every child still running (for afterEach). */
export async function stopAll(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
}
