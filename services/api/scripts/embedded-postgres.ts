// An embedded PostgreSQL for `pnpm dev` (services/dev.ts): PGlite (WebAssembly) behind a
// PostgreSQL wire-protocol socket, so the very same `pg` code of every service runs locally
// without installing a database. Data persists in services/api/.pglite/ (PGLITE_DATA_DIR, or
// `memory://` for a fresh database every run). PGlite runs one query at a time; the socket server
// multiplexes client connections onto it, one transaction at a time.
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: {
  dataDir?: string | undefined;
  port: number;
}): Promise<EmbeddedPostgres> {
  const dataDir = options.dataDir ?? fileURLToPath(new URL("../.pglite", import.meta.url));
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: options.port,
    maxConnections: 20,
  });
  await server.start();
  return {
    url: `postgres://postgres@127.0.0.1:${String(options.port)}/postgres`,
    dataDir,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
