// `pnpm dev` at the repository root: the api (on an embedded PostgreSQL unless DATABASE_URL is
// set) and the web app (Next.js dev server) together, output prefixed per service.
//
// The children stay in this process group, so a terminal's Ctrl-C reaches every one of them and
// each shuts down its own way; when one exits, the other is stopped too. (`pnpm --parallel` puts
// each script in a process group of its own and leaves them running when interrupted.)
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";

const services = import.meta.dirname;
const apiPort = process.env.API_PORT ?? "3001";
const webPort = process.env.WEB_PORT ?? "3000";
const nextBin = createRequire(path.join(services, "web/package.json")).resolve(
  "next/dist/bin/next",
);

const embeddedDatabasePort = process.env.PGLITE_PORT ?? "54329";

/** Whether nothing listens on `port`, on any interface (the dev servers bind all of them). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") resolve(false);
      else reject(error);
    });
    probe.listen(port, () =>
      probe.close(() => {
        resolve(true);
      }),
    );
  });
}

// Checked before anything starts: a server that dies on a taken port halfway through start-up
// buries the reason in the other service's output.
const ports = [
  { name: "web", port: webPort, variable: "WEB_PORT", other: "3100" },
  { name: "api", port: apiPort, variable: "API_PORT", other: "3101" },
  // Only when the api runs its embedded PostgreSQL.
  ...(process.env.DATABASE_URL === undefined
    ? [
        {
          name: "embedded PostgreSQL",
          port: embeddedDatabasePort,
          variable: "PGLITE_PORT",
          other: "54330",
        },
      ]
    : []),
];
for (const { name, port, variable, other } of ports) {
  if (!(await portIsFree(Number(port)))) {
    process.stderr.write(
      `pnpm dev: port ${port} (${name}) is already in use. Stop what listens there (lsof -i :${port}) or choose another port: ${variable}=${other} pnpm dev\n`,
    );
    process.exit(1);
  }
}

const children = new Map<string, ChildProcess>();

function run(name: string, cwd: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      process.stdout.write(`${name.padEnd(4)}| ${line}\n`);
    });
  }
  child.on("exit", (code, signal) => {
    children.delete(name);
    process.stdout.write(`${name.padEnd(4)}| exited (${signal ?? String(code)})\n`);
    for (const other of children.values()) other.kill("SIGTERM");
    if (children.size === 0) process.exit(code ?? 0);
  });
  children.set(name, child);
}

run("api", path.join(services, "api"), ["scripts/dev.ts"], { PORT: apiPort, HOST: "127.0.0.1" });
run("web", path.join(services, "web"), [nextBin, "dev", "--port", webPort], {
  API_URL: process.env.API_URL ?? `http://127.0.0.1:${apiPort}`,
  NEXT_TELEMETRY_DISABLED: "1",
});
process.stdout.write(`dev | web http://127.0.0.1:${webPort}  api http://127.0.0.1:${apiPort}\n`);

// A signal sent to this process alone (not the whole group) still stops everything.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children.values()) child.kill(signal);
  });
}
