// The user's journeys (support/journeys.ts, the same the local end-to-end test runs) against a
// deployed staging, through the edge as a visitor meets it: no header is added here, the edge
// adds the origin lock's. Run by `pnpm test:deployed` after each staging deployment; the one item
// it creates is titled with E2E_TITLE_MARK.
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../support/chromium.ts";
import {
  E2E_TITLE_MARK,
  type Site,
  checkSecurityHeaders,
  createItemThroughForm,
  followNotFound,
  rejectBlankTitle,
} from "../support/journeys.ts";

const baseUrl = new URL(inject("e2eBaseUrl"));
/** CI keeps this folder when the suite fails. */
const artifacts = path.join(import.meta.dirname, "../../../../artifacts/e2e-deployed");

let browser: Browser | undefined;

function site(): Site {
  if (browser === undefined) throw new Error("the browser did not start");
  return { baseUrl, headers: {}, browser, artifacts };
}

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe(`the deployed site at ${baseUrl.origin}`, () => {
  it("sends the security headers on pages, static files and health routes", async () => {
    await checkSecurityHeaders(site());
  });

  it("creates a marked item through the form and lists it", async () => {
    const title = await createItemThroughForm(site());
    expect(title.startsWith(`${E2E_TITLE_MARK} `)).toBe(true);
  });

  it("shows a validation error beside the field and keeps the input", async () => {
    await rejectBlankTitle(site());
  });

  it("answers a page that does not exist with 404 and a way back", async () => {
    await followNotFound(site());
  });
});
