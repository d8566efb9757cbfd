// The drill's PostgreSQL. Without DATABASE_URL it runs a throwaway server of its own, found the way
// `./quickstart test` finds one (PG_BINDIR, pg_ctl on PATH, Debian's newest
// /usr/lib/postgresql/*/bin, Homebrew's postgresql@17), so that it can stop and restart it. With
// DATABASE_URL it works in a database of its own on that server, behind a TCP proxy it can cut:
// a server it does not own is never stopped.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { hostAndPort, startTcpProxy, withHostAndPort } from "../api/test/support/tcp-proxy.ts";
import { freePort } from "../web/test/support/servers.ts";

const run = promisify(execFile);

export interface DrillDatabase {
  /** What the services connect to. */
  url: string;
  /** The same database without anything of the drill's in between: for its own checks. */
  directUrl: string;
  /** For the report, e.g. "PostgreSQL 15.14, a throwaway server on 127.0.0.1:41234". */
  description: string;
  /** The outage phase: its name and what it does. */
  outage: { phase: string; description: string };
  /** Makes the database unreachable. */
  stop(): Promise<void>;
  /** Brings it back; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Removes everything the drill made (its server or its database). */
  close(): Promise<void>;
}

export class PostgresNotFound extends Error {}

/** Whether `dir` holds PostgreSQL's server programs, initdb and pg_ctl, as executable files. */
function holdsServerPrograms(dir: string): boolean {
  return ["initdb", "pg_ctl"].every((name) => {
    const stats = statSync(path.join(dir, name), { throwIfNoEntry: false });
    return stats?.isFile() === true && (stats.mode & 0o111) !== 0;
  });
}

/** Debian's server directories, newest major first. */
function debianDirectories(): string[] {
  let versions: string[];
  try {
    versions = readdirSync("/usr/lib/postgresql");
  } catch {
    return [];
  }
  return versions
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => `/usr/lib/postgresql/${version}/bin`);
}

/** The directory of initdb and pg_ctl, in the order `./quickstart test` (pg_bindir) looks. */
export function postgresBinaries(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const onPath = (env.PATH ?? "")
    .split(path.delimiter)
    .find((dir) => dir !== "" && existsSync(path.join(dir, "pg_ctl")));
  const candidates = [
    env.PG_BINDIR,
    onPath,
    ...debianDirectories(),
    "/opt/homebrew/opt/postgresql@17/bin",
    "/usr/local/opt/postgresql@17/bin",
  ];
  return candidates.find(
    (dir): dir is string => dir !== undefined && dir !== "" && holdsServerPrograms(dir),
  );
}

/** A root-owned server is refused by PostgreSQL: as root it runs as Debian's `postgres` user. */
function asServerOwner(command: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, [...args]];
  const runuser =
    ["/usr/sbin/runuser", "/sbin/runuser"].find((file) => existsSync(file)) ?? "runuser";
  return [runuser, ["-u", "postgres", "--", command, ...args]];
}

async function runAsOwner(command: string, args: readonly string[]): Promise<void> {
  const [file, argv] = asServerOwner(command, args);
  await run(file, argv);
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
    return rows[0]?.server_version ?? "unknown";
  } finally {
    await client.end();
  }
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A server of the drill's own in a fresh data directory, on a free loopback port. Durability
 * settings as the test server's (services/test-postgres.sh: no fsync), except that
 * commits stay synchronous: a commit the api acknowledged is in the WAL before the answer, which is
 * what an immediate stop tests. The stop is `-m immediate` (no shutdown checkpoint, crash
 * recovery at start): the harder case of a primary that goes away.
 */
export async function throwawayPostgres(): Promise<DrillDatabase> {
  const bindir = postgresBinaries();
  if (bindir === undefined) {
    throw new PostgresNotFound(
      "The drill needs PostgreSQL's server binaries (initdb, pg_ctl) to run a server it can stop, and found none.\n" +
        "Install them (apt-get install postgresql; `./quickstart test` does it), set PG_BINDIR to their directory,\n" +
        "or set DATABASE_URL to a server the drill may create a database on (it then cuts a proxy instead of stopping it).",
    );
  }
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), "platform-drill-pg-"));
  if (process.getuid?.() === 0) await run("chown", ["postgres:", dataDir]);
  const pgCtl = path.join(bindir, "pg_ctl");
  const serverOptions = [
    `-p ${String(port)}`,
    "-c listen_addresses=127.0.0.1",
    `-k ${dataDir}`,
    "-c fsync=off",
    "-c full_page_writes=off",
  ].join(" ");
  const start = () =>
    runAsOwner(pgCtl, [
      "-D",
      dataDir,
      "-l",
      path.join(dataDir, "server.log"),
      "-w",
      "-t",
      "30",
      "-o",
      serverOptions,
      "start",
    ]);
  const stop = () => runAsOwner(pgCtl, ["-D", dataDir, "-m", "immediate", "-w", "stop"]);
  const close = async () => {
    await stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await runAsOwner(path.join(bindir, "initdb"), [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--no-sync",
    ]);
    await start();
    const adminUrl = `postgres://postgres@127.0.0.1:${String(port)}/postgres`;
    const url = await createDatabase(adminUrl, "drill");
    const version = await serverVersion(url);
    return {
      url,
      directUrl: url,
      description: `PostgreSQL ${version}, a throwaway server on 127.0.0.1:${String(port)} (${bindir})`,
      outage: {
        phase: "postgres-restart",
        description: "PostgreSQL stopped (pg_ctl -m immediate) and started again",
      },
      stop,
      start,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A database of the drill's own on the server of `serverUrl`, reached through a TCP proxy. */
export async function proxiedPostgres(serverUrl: string): Promise<DrillDatabase> {
  const directUrl = await createDatabase(serverUrl, `drill_${randomBytes(4).toString("hex")}`);
  const drop = async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      const name = new URL(directUrl).pathname.slice(1);
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  try {
    const proxy = await startTcpProxy(hostAndPort(directUrl));
    const version = await serverVersion(directUrl);
    return {
      url: withHostAndPort(directUrl, proxy.port),
      directUrl,
      description: `PostgreSQL ${version} at DATABASE_URL, through a TCP proxy on 127.0.0.1:${String(proxy.port)}`,
      outage: {
        phase: "postgres-unreachable",
        description:
          "the proxy to DATABASE_URL's server cut (connections reset, new ones refused) and restored",
      },
      stop: () => proxy.stop(),
      start: () => proxy.start(),
      close: async () => {
        await proxy.stop();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
