// End to end, as a user meets it: the production build (the standalone server that the Docker
// image runs) in front of the real api on a real PostgreSQL database, driven by Chromium. The
// user's journeys come from support/journeys.ts, which `pnpm test:deployed` runs against staging;
// what only a local run can see (the api itself, the origin lock refusing, the api going away)
// stays here.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  E2E_TITLE_MARK,
  type Site,
  checkSecurityHeaders,
  createItemThroughForm,
  followNotFound,
  openHome,
  rejectBlankTitle,
} from "./support/journeys.ts";
import { launchBrowser } from "./support/chromium.ts";
import { freePort, standaloneEntry, startServer } from "./support/servers.ts";

const web = path.join(import.meta.dirname, "..");
const repo = path.join(web, "../..");
/** The image's CMD: the entry that checks the configuration and hooks the server, then server.js. */
const standaloneServer = standaloneEntry;
/** CI keeps this folder as the run's artifacts. */
const artifacts = path.join(repo, "artifacts/e2e");

/** The origin lock's secret, as the edge would add it to every request. */
const ORIGIN_LOCK = `e2e-origin-lock-${"x".repeat(32)}`;
const THROUGH_EDGE = { "x-origin-lock": ORIGIN_LOCK };

const children: ChildProcess[] = [];
let databaseName = "";
let apiUrl = "";
let webUrl = "";
let browser: Browser;

/** The journeys' view of the local servers: the edge's header added to every request. */
function site(): Site {
  return { baseUrl: new URL(webUrl), headers: THROUGH_EDGE, browser, artifacts };
}

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === "") {
    throw new Error(
      "TEST_DATABASE_URL is not set: start a server with services/test-postgres.sh start",
    );
  }
  return url;
}

/** Starts a server the way the support module does, and keeps it for the teardown below. */
async function start(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const started = await startServer(script, env, ready);
  children.push(started.child);
  return started;
}

async function waitForOk(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(url, { headers: THROUGH_EDGE }).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  if (!existsSync(standaloneServer)) {
    throw new Error(`${standaloneServer} is missing: run pnpm build first (pnpm test does)`);
  }
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  databaseName = `web_e2e_${String(process.pid)}`;
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const databaseUrl = new URL(adminUrl());
  databaseUrl.pathname = `/${databaseName}`;

  const [api, webPort] = await Promise.all([
    start(
      path.join(repo, "services/api/src/server.ts"),
      {
        DATABASE_URL: databaseUrl.toString(),
        HOST: "127.0.0.1",
        PORT: "0",
        ORIGIN_LOCK_SECRETS: ORIGIN_LOCK,
      },
      /"port":(\d+),"msg":"accepting connections"/,
    ),
    freePort(),
  ]);
  apiUrl = `http://127.0.0.1:${api.match[1] ?? ""}`;
  await waitForOk(`${apiUrl}/readyz`);

  await start(
    standaloneServer,
    {
      NEXT_TELEMETRY_DISABLED: "1",
      HOSTNAME: "127.0.0.1",
      PORT: String(webPort),
      API_URL: apiUrl,
      ORIGIN_LOCK_SECRETS: ORIGIN_LOCK,
    },
    /Ready in/,
  );
  webUrl = `http://127.0.0.1:${String(webPort)}`;

  browser = await launchBrowser();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser.close();
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(
    children
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map((child) => once(child, "exit")),
  );
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await admin.end();
});

describe("web against the api", () => {
  it("answers App Platform's liveness check without the edge's secret", async () => {
    const response = await fetch(`${webUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers the load balancer's readiness check, which asks the api", async () => {
    const response = await fetch(`${webUrl}/readyz`, { headers: THROUGH_EDGE });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready" });
  });

  it("refuses every request that did not come through the edge, in both services", async () => {
    for (const [url, init] of [
      [`${webUrl}/`, {}],
      [`${webUrl}/readyz`, {}],
      [`${webUrl}/`, { headers: { "x-origin-lock": "wrong" } }],
      [`${apiUrl}/items`, {}],
      [
        `${apiUrl}/items`,
        { method: "POST", body: "{}", headers: { "content-type": "application/json" } },
      ],
      [`${apiUrl}/items/1`, { method: "DELETE" }],
    ] as const) {
      const response = await fetch(url, init);
      expect({ url, status: response.status }).toEqual({ url, status: 403 });
    }
  });

  it("routes no public request to the api: writes other than the form find no route", async () => {
    for (const method of ["POST", "PATCH", "DELETE"]) {
      const response = await fetch(`${webUrl}/api/items/1`, {
        method,
        headers: { ...THROUGH_EDGE, "content-type": "application/json" },
        body: method === "DELETE" ? undefined : JSON.stringify({ title: "public write" }),
      });
      expect({ method, status: response.status }).toEqual({ method, status: 404 });
    }
  });

  it("sends the security headers on pages, static files and health routes", async () => {
    await checkSecurityHeaders(site());
    // The refusal of a request that went around the edge carries them too.
    const refused = await fetch(`${webUrl}/`);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("creates an item through the form and lists it", async () => {
    const title = await createItemThroughForm(site());
    expect(title.startsWith(`${E2E_TITLE_MARK} `)).toBe(true);
    // It went through the api into the database, not just onto the page.
    const stored = (await (await fetch(`${apiUrl}/items`, { headers: THROUGH_EDGE })).json()) as {
      items: { title: string; status: string }[];
    };
    expect(stored.items).toContainEqual(expect.objectContaining({ title, status: "doing" }));
  });

  it("shows a validation error beside the field and keeps the input", async () => {
    await rejectBlankTitle(site());
  });
});

describe("a page that does not exist", () => {
  it("answers 404 with a page that works under the Content-Security-Policy", async () => {
    await followNotFound(site());
  });
});

describe("web without the api", () => {
  it("still renders, says the items are unavailable, and stays healthy", async () => {
    const api = children[0];
    if (api === undefined) throw new Error("api not started");
    api.kill("SIGTERM");
    await once(api, "exit");

    const { page } = await openHome(site());
    const alert = page.getByRole("alert").filter({ hasText: "Items cannot be shown" });
    await alert.waitFor();
    expect(await alert.textContent()).toContain("cannot be reached");
    await page.screenshot({ path: path.join(artifacts, "api-unavailable.png"), fullPage: true });

    await page.getByLabel("Title").fill("written while the api is down");
    await page.getByRole("button", { name: "Add item" }).click();
    await page.getByText("The item could not be saved. Try again shortly.").waitFor();
    await page.close();

    expect((await fetch(`${webUrl}/healthz`)).status).toBe(200);
  });
});
