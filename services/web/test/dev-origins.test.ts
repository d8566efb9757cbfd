// `pnpm dev` serves the web on http://127.0.0.1:3000, and `next dev` run as pnpm dev runs it
// (services/local.ts) must serve that page its own dev resources without the "Blocked
// cross-origin request" warning, while still refusing other sites. The production config has no
// such setting.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { PHASE_DEVELOPMENT_SERVER, PHASE_PRODUCTION_BUILD } from "next/constants";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localLaunches } from "../../local.ts";
import nextConfig from "../next.config.ts";
import { freePort } from "./support/servers.ts";

let dev: ChildProcess;
let origin = "";
const output: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  const launch = localLaunches({ databaseUrl: undefined, env: { WEB_PORT: String(port) } }).find(
    (candidate) => candidate.name === "web",
  );
  if (launch === undefined) throw new Error("the catalog has no web service");
  const child = spawn(launch.command, launch.args, {
    cwd: launch.cwd,
    // As pnpm dev passes it on, but for vitest's NODE_ENV=test, which next dev would warn about.
    env: { ...process.env, ...launch.env, NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  dev = child;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`next dev did not start:\n${output.join("\n")}`));
    }, 60_000);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        if (line.includes("Ready in")) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  origin = `http://127.0.0.1:${String(port)}`;
}, 90_000);

afterAll(async () => {
  if (dev.exitCode === null && dev.signalCode === null) {
    dev.kill("SIGTERM");
    await once(dev, "exit");
  }
});

/** A dev resource, fetched as a page of `from` would fetch it. */
function devResource(from: string): Promise<Response> {
  return fetch(`${origin}/_next/static/chunks/no-such-chunk.js`, {
    headers: { origin: from, "sec-fetch-mode": "cors", "sec-fetch-site": "same-site" },
  });
}

const BLOCKED = "Blocked cross-origin request to Next.js dev resource";

describe("next dev, as pnpm dev runs it", () => {
  it("serves its dev resources to its own page on 127.0.0.1, without a warning", async () => {
    const response = await devResource(origin);
    expect(response.status).not.toBe(403);
    expect(output.filter((line) => line.includes(BLOCKED))).toEqual([]);
  });

  it("still refuses them to another site", async () => {
    const response = await devResource("http://attacker.example");
    expect(response.status).toBe(403);
    // next dev may answer before its warning reaches the pipe.
    await vi.waitFor(
      () => {
        expect(output.join("\n")).toContain(
          `${BLOCKED} /_next/static/chunks/no-such-chunk.js from "attacker.example"`,
        );
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});

describe("next.config.ts", () => {
  it("admits 127.0.0.1 to the dev server only", () => {
    expect(nextConfig(PHASE_DEVELOPMENT_SERVER).allowedDevOrigins).toEqual(["127.0.0.1"]);
    expect(nextConfig(PHASE_PRODUCTION_BUILD)).not.toHaveProperty("allowedDevOrigins");
  });
});
