// `pnpm dev`: the api with file watching. Without DATABASE_URL it first starts an embedded
// PostgreSQL (PGlite, WebAssembly) behind a PostgreSQL wire-protocol socket, so the very same `pg`
// code runs locally without installing a database. Data persists in .pglite/ (PGLITE_DATA_DIR, or
// `memory://` for a fresh database every run).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { createLogger } from "../src/logger.ts";

const logger = createLogger("info").child({ component: "dev" });
const root = fileURLToPath(new URL("..", import.meta.url));
const env = { ...process.env };
let embedded: { server: PGLiteSocketServer; db: PGlite } | undefined;

if (env.DATABASE_URL === undefined || env.DATABASE_URL === "") {
  const dataDir = env.PGLITE_DATA_DIR ?? fileURLToPath(new URL("../.pglite", import.meta.url));
  const port = Number(env.PGLITE_PORT ?? "54329");
  const db = await PGlite.create(dataDir);
  // PGlite runs one query at a time; the socket server multiplexes client connections onto it.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: 10 });
  await server.start();
  embedded = { server, db };
  env.DATABASE_URL = `postgres://postgres@127.0.0.1:${port}/postgres`;
  logger.info({ dataDir, url: env.DATABASE_URL }, "embedded PostgreSQL (PGlite) started");
}

const api = spawn(process.execPath, ["--watch", "src/server.ts"], {
  cwd: root,
  env,
  stdio: "inherit",
});

// The database stops only after the api has finished with it.
api.on("exit", (code, signal) => {
  void (async () => {
    if (embedded !== undefined) {
      await embedded.server.stop();
      await embedded.db.close();
    }
    process.exit(code ?? (signal === null ? 0 : 1));
  })();
});
const forward = (signal: NodeJS.Signals) => {
  if (api.exitCode === null) api.kill(signal);
};
process.on("SIGINT", forward);
process.on("SIGTERM", forward);
