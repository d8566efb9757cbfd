// End to end, as a user meets it: the production build (the standalone server.js that the Docker
// image runs) in front of the real api on a real PostgreSQL database, driven by Chromium.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { type Browser, type Page, chromium } from "playwright-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const web = path.join(import.meta.dirname, "..");
const repo = path.join(web, "../..");
const standaloneServer = path.join(web, ".next/standalone/services/web/server.js");
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

const children: ChildProcess[] = [];
let databaseName = "";
let apiUrl = "";
let webUrl = "";
let browser: Browser;

function adminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === "") {
    throw new Error(
      "TEST_DATABASE_URL is not set: start a server with services/api/scripts/test-postgres.sh start",
    );
  }
  return url;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a server process and resolves once a line of its output matches `ready`. */
async function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const output: string[] = [];
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${args.join(" ")} did not start:\n${output.join("\n")}`));
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
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${String(code)}:\n${output.join("\n")}`));
    });
  });
  return { child, match };
}

async function waitForOk(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(url).then(
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
      [path.join(repo, "services/api/src/server.ts")],
      { DATABASE_URL: databaseUrl.toString(), HOST: "127.0.0.1", PORT: "0" },
      /"port":(\d+),"msg":"accepting connections"/,
    ),
    freePort(),
  ]);
  apiUrl = `http://127.0.0.1:${api.match[1] ?? ""}`;
  await waitForOk(`${apiUrl}/readyz`);

  await start(
    [standaloneServer],
    {
      NEXT_TELEMETRY_DISABLED: "1",
      HOSTNAME: "127.0.0.1",
      PORT: String(webPort),
      API_URL: apiUrl,
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

async function openHome(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const response = await page.goto(webUrl);
  expect(response?.status()).toBe(200);
  return page;
}

describe("web against the api", () => {
  it("answers the load balancer's health check", async () => {
    const response = await fetch(`${webUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
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
    const stored = (await (await fetch(`${apiUrl}/items`)).json()) as {
      items: { title: string; status: string }[];
    };
    expect(stored.items).toContainEqual(expect.objectContaining({ title, status: "doing" }));

    // A fresh visit renders it on the server.
    const again = await openHome();
    await again.getByText(title).waitFor();
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
