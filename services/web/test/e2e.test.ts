// End to end, as a user meets it: the production build (the standalone server that the Docker
// image runs) in front of the real api on a real PostgreSQL database, driven by Chromium.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, standaloneEntry, startServer } from "./support/servers.ts";

const web = path.join(import.meta.dirname, "..");
const repo = path.join(web, "../..");
/** The image's CMD: the entry that checks the configuration and hooks the server, then server.js. */
const standaloneServer = standaloneEntry;
/** CI keeps this folder as the run's artifacts. */
const artifacts = path.join(repo, "artifacts/e2e");

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The origin lock's secret, as the edge would add it to every request. */
const ORIGIN_LOCK = `e2e-origin-lock-${"x".repeat(32)}`;
const THROUGH_EDGE = { "x-origin-lock": ORIGIN_LOCK };

const children: ChildProcess[] = [];
let databaseName = "";
let apiUrl = "";
let webUrl = "";
let browser: Browser;

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

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
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

/** Content-Security-Policy violations the page reported, by directive, per page. */
const violations = new Map<Page, string[]>();

async function openHome(): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width: 1000, height: 700 },
    extraHTTPHeaders: THROUGH_EDGE,
  });
  const reported: string[] = [];
  violations.set(page, reported);
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) reported.push(message.text());
  });
  await page.exposeFunction("reportViolation", (directive: string) => reported.push(directive));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      void (window as unknown as { reportViolation(d: string): Promise<void> }).reportViolation(
        event.violatedDirective,
      );
    });
  });
  const response = await page.goto(webUrl);
  expect(response?.status()).toBe(200);
  return page;
}

const SECURITY_HEADERS = [
  "x-content-type-options",
  "referrer-policy",
  "permissions-policy",
  "x-frame-options",
  "cross-origin-opener-policy",
];

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
    const page = await fetch(webUrl, { headers: THROUGH_EDGE });
    const html = await page.text();
    const script = /<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const policy = page.headers.get("content-security-policy") ?? "";
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("'strict-dynamic'");
    // Every script of the page carries this response's nonce.
    expect(html).toContain(`nonce="${nonce ?? "?"}"`);
    const responses = [
      page,
      await fetch(`${webUrl}${script ?? ""}`, { headers: THROUGH_EDGE }),
      await fetch(`${webUrl}/healthz`),
      await fetch(`${webUrl}/`),
    ];
    for (const response of responses) {
      for (const header of SECURITY_HEADERS) {
        expect({ url: response.url, header, set: response.headers.has(header) }).toEqual({
          url: response.url,
          header,
          set: true,
        });
      }
    }
    expect(responses[0]?.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("creates an item through the form and lists it", async () => {
    const page = await openHome();
    const title = `Renew the TLS certificate ${String(Date.now())}`;
    await page.getByLabel("Title").fill(title);
    await page.getByLabel("Status").selectOption("doing");
    await page.getByRole("button", { name: "Add item" }).click();

    const listed = page
      .getByRole("list", { name: "Items" })
      .getByRole("listitem")
      .filter({ hasText: title });
    await listed.waitFor();
    await expect(listed.textContent()).resolves.toContain("Doing");
    await expect(page.getByRole("status").textContent()).resolves.toBe(`Added “${title}”.`);
    // The form is ready for the next item.
    expect(await page.getByLabel("Title").inputValue()).toBe("");
    await page.screenshot({ path: path.join(artifacts, "items-created.png"), fullPage: true });

    // It went through the api into the database, not just onto the page.
    const stored = (await (await fetch(`${apiUrl}/items`, { headers: THROUGH_EDGE })).json()) as {
      items: { title: string; status: string }[];
    };
    expect(stored.items).toContainEqual(expect.objectContaining({ title, status: "doing" }));

    // A fresh visit renders it on the server.
    const again = await openHome();
    await again.getByText(title).waitFor();
    // The pages did all that under the Content-Security-Policy without one violation.
    expect([...(violations.get(page) ?? []), ...(violations.get(again) ?? [])]).toEqual([]);
    await page.close();
    await again.close();
  });

  it("shows a validation error beside the field and keeps the input", async () => {
    const page = await openHome();
    // Spaces pass the browser's `required` check; the server action rejects them.
    await page.getByLabel("Title").fill("   ");
    await page.getByLabel("Status").selectOption("done");
    await page.getByRole("button", { name: "Add item" }).click();
    await page.getByText("Title must not be empty.").waitFor();
    expect(await page.getByLabel("Title").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Status").inputValue()).toBe("done");
    await page.screenshot({ path: path.join(artifacts, "validation-error.png"), fullPage: true });
    expect(violations.get(page)).toEqual([]);
    await page.close();
  });
});

describe("a page that does not exist", () => {
  it("answers 404 with a page that works under the Content-Security-Policy", async () => {
    const page = await browser.newPage({ extraHTTPHeaders: THROUGH_EDGE });
    const reported: string[] = [];
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) reported.push(message.text());
    });
    const response = await page.goto(`${webUrl}/no/such/page`);
    expect(response?.status()).toBe(404);
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    await page.getByRole("link", { name: "Back to the items" }).click();
    await page.getByRole("heading", { name: "Items", exact: true }).waitFor();
    expect(reported).toEqual([]);
    await page.close();
  });
});

describe("web without the api", () => {
  it("still renders, says the items are unavailable, and stays healthy", async () => {
    const api = children[0];
    if (api === undefined) throw new Error("api not started");
    api.kill("SIGTERM");
    await once(api, "exit");

    const page = await openHome();
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
