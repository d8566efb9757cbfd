// `pnpm dev` at the repository root: every service of the catalog (stacks/service-catalog.ts), as
// services/local.ts says to run it, on an embedded PostgreSQL unless DATABASE_URL is set; output
// prefixed per service. Local overrides come from a git-ignored `.env.local` where it runs (the
// repository root under pnpm), read before anything else; its first line says what was read.
//
// The children stay in this process group, so a terminal's Ctrl-C reaches every one of them and
// each shuts down its own way; when one exits, the others are stopped too. (`pnpm --parallel` puts
// each script in a process group of its own and leaves them running when interrupted.)
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { type EmbeddedPostgres, startEmbeddedPostgres } from "./api/scripts/embedded-postgres.ts";
import { localLaunches } from "./local.ts";
import { SERVICE_CATALOG } from "../stacks/service-catalog.ts";

const width = Math.max(3, ...SERVICE_CATALOG.map((service) => service.name.length));

/** The seed's environment set-up: `.env.example` documents, `.env.local` overrides locally. */
const LOCAL_ENV_FILE = ".env.local";

/**
 * Loads LOCAL_ENV_FILE with Node's own parser (process.loadEnvFile); a variable the shell already
 * sets keeps the shell's value. Returns the file's absolute path, or undefined when there is none.
 */
function loadLocalEnv(): string | undefined {
  const file = path.resolve(LOCAL_ENV_FILE);
  try {
    process.loadEnvFile(file);
    return file;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    process.stderr.write(
      `pnpm dev: cannot read ${file}: ${(error as Error).message}. Fix or remove it; .env.example lists what it may set.\n`,
    );
    process.exit(1);
  }
}

const localEnv = loadLocalEnv();
process.stdout.write(
  `${"dev".padEnd(width)}| env: ${
    localEnv === undefined
      ? `the shell only (no ${LOCAL_ENV_FILE} in ${process.cwd()})`
      : `the shell, then ${localEnv} (the shell's values win)`
  }\n`,
);

const embeddedDatabasePort = process.env.PGLITE_PORT ?? "54329";
const usesDatabase = SERVICE_CATALOG.some((service) => service.uses.database !== "none");
const embedded = usesDatabase && (process.env.DATABASE_URL ?? "") === "";

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

const planned = localLaunches({ databaseUrl: undefined });
// Checked before anything starts: a server that dies on a taken port halfway through start-up
// buries the reason in the other services' output.
const ports = [
  ...planned.flatMap((launch) =>
    launch.port === undefined || launch.portVariable === undefined
      ? []
      : [
          {
            name: launch.name,
            port: launch.port,
            variable: launch.portVariable,
            other: launch.port + 100,
          },
        ],
  ),
  ...(embedded
    ? [
        {
          name: "embedded PostgreSQL",
          port: Number(embeddedDatabasePort),
          variable: "PGLITE_PORT",
          other: Number(embeddedDatabasePort) + 1,
        },
      ]
    : []),
];
for (const { name, port, variable, other } of ports) {
  if (!(await portIsFree(port))) {
    process.stderr.write(
      `pnpm dev: port ${String(port)} (${name}) is already in use. Stop what listens there (lsof -i :${String(port)}) or choose another port: ${variable}=${String(other)} pnpm dev\n`,
    );
    process.exit(1);
  }
}

let database: EmbeddedPostgres | undefined;
if (embedded) {
  database = await startEmbeddedPostgres({
    dataDir: process.env.PGLITE_DATA_DIR,
    port: Number(embeddedDatabasePort),
  });
  process.stdout.write(`dev | embedded PostgreSQL (PGlite) in ${database.dataDir}\n`);
}
const launches = localLaunches({ databaseUrl: database?.url ?? process.env.DATABASE_URL });
const children = new Map<string, ChildProcess>();

function run(launch: (typeof launches)[number]) {
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = launch.name.padEnd(width);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      process.stdout.write(`${prefix}| ${line}\n`);
    });
  }
  child.on("exit", (code, signal) => {
    children.delete(launch.name);
    process.stdout.write(`${prefix}| exited (${signal ?? String(code)})\n`);
    for (const other of children.values()) other.kill("SIGTERM");
    if (children.size === 0) {
      // The database stops only after every service has finished with it.
      void (database?.stop() ?? Promise.resolve()).then(() => process.exit(code ?? 0));
    }
  });
  children.set(launch.name, child);
}

for (const launch of launches) run(launch);
process.stdout.write(
  `${"dev".padEnd(width)}| ${launches
    .map(
      (launch) =>
        `${launch.name} ${launch.port === undefined ? "(worker)" : `http://127.0.0.1:${String(launch.port)}`}`,
    )
    .join("  ")}\n`,
);

// A signal sent to this process alone (not the whole group) still stops everything.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    for (const child of children.values()) child.kill(signal);
  });
}
