// The user journeys of the front end, driven by Chromium against any base URL: the local
// end-to-end test runs them against the standalone build on 127.0.0.1, `pnpm test:deployed`
// against staging through the edge. Each journey asserts what the user must see, so a failure
// names the step that broke wherever it runs.
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";

/** Every title a journey writes starts with this, so the items it leaves behind are recognisable. */
export const E2E_TITLE_MARK = "[e2e]";

const SECURITY_HEADERS = [
  "x-content-type-options",
  "referrer-policy",
  "permissions-policy",
  "x-frame-options",
  "cross-origin-opener-policy",
];

export interface Site {
  /** The origin the journeys visit: `https://app.example-staging.com`, `http://127.0.0.1:3000`. */
  baseUrl: URL;
  /**
   * Sent with every request. Locally, the origin lock's header that the edge would add; through
   * the real edge, nothing: the edge adds it.
   */
  headers: Record<string, string>;
  browser: Browser;
  /** Where the screenshots go (CI keeps the folder as the run's artifacts). */
  artifacts: string;
}

/** `path` on the site, as an absolute URL string. */
export function siteUrl(site: Site, pathname: string): string {
  return new URL(pathname, site.baseUrl).toString();
}

/** A title nobody would type, marked as the suite's, unique per call. */
export function markedTitle(what: string): string {
  return `${E2E_TITLE_MARK} ${what} ${new Date().toISOString()}`;
}

export interface VisitedPage {
  page: Page;
  /** Content-Security-Policy violations the page reported so far. */
  violations: string[];
}

/** Opens `pathname` in a fresh page that records every Content-Security-Policy violation. */
export async function visit(
  site: Site,
  pathname: string,
  expectedStatus: number,
): Promise<VisitedPage> {
  const page = await site.browser.newPage({
    viewport: { width: 1000, height: 700 },
    extraHTTPHeaders: site.headers,
  });
  const violations: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) violations.push(message.text());
  });
  await page.exposeFunction("reportViolation", (directive: string) => violations.push(directive));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      void (window as unknown as { reportViolation(d: string): Promise<void> }).reportViolation(
        event.violatedDirective,
      );
    });
  });
  const response = await page.goto(siteUrl(site, pathname));
  expect({ pathname, status: response?.status() }).toEqual({ pathname, status: expectedStatus });
  return { page, violations };
}

export function openHome(site: Site): Promise<VisitedPage> {
  return visit(site, "/", 200);
}

/** The page, one of its scripts and the liveness route all carry the security headers. */
export async function checkSecurityHeaders(site: Site): Promise<void> {
  const home = await fetch(siteUrl(site, "/"), { headers: site.headers });
  expect(home.status).toBe(200);
  const html = await home.text();
  const script = /<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const policy = home.headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toContain("'strict-dynamic'");
  // Every script of the page carries this response's nonce.
  expect(html).toContain(`nonce="${nonce ?? "?"}"`);
  const responses = [
    home,
    await fetch(siteUrl(site, script ?? "/"), { headers: site.headers }),
    await fetch(siteUrl(site, "/healthz"), { headers: site.headers }),
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
  expect(home.headers.get("x-content-type-options")).toBe("nosniff");
}

/**
 * Creates an item through the form, sees it listed and announced, the form emptied, and the item
 * rendered again on a fresh visit; no page reports a Content-Security-Policy violation. Returns the
 * title it wrote (marked with E2E_TITLE_MARK).
 */
export async function createItemThroughForm(site: Site): Promise<string> {
  const { page, violations } = await openHome(site);
  const title = markedTitle("Renew the TLS certificate");
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
  await page.screenshot({ path: path.join(site.artifacts, "items-created.png"), fullPage: true });

  // A fresh visit renders it on the server.
  const again = await openHome(site);
  await again.page.getByText(title).waitFor();
  expect([...violations, ...again.violations]).toEqual([]);
  await page.close();
  await again.page.close();
  return title;
}

/** A blank title is refused beside the field, and the form keeps what was chosen. Writes nothing. */
export async function rejectBlankTitle(site: Site): Promise<void> {
  const { page, violations } = await openHome(site);
  // Spaces pass the browser's `required` check; the server action rejects them.
  await page.getByLabel("Title").fill("   ");
  await page.getByLabel("Status").selectOption("done");
  await page.getByRole("button", { name: "Add item" }).click();
  await page.getByText("Title must not be empty.").waitFor();
  expect(await page.getByLabel("Title").getAttribute("aria-invalid")).toBe("true");
  expect(await page.getByLabel("Status").inputValue()).toBe("done");
  await page.screenshot({
    path: path.join(site.artifacts, "validation-error.png"),
    fullPage: true,
  });
  expect(violations).toEqual([]);
  await page.close();
}

/** A page that does not exist answers 404 with a page that leads back to the items. */
export async function followNotFound(site: Site): Promise<void> {
  const { page, violations } = await visit(site, "/no/such/page", 404);
  await page.getByRole("heading", { name: "Not found" }).waitFor();
  await page.getByRole("link", { name: "Back to the items" }).click();
  await page.getByRole("heading", { name: "Items", exact: true }).waitFor();
  expect(violations).toEqual([]);
  await page.close();
}
