// Where `pnpm test:deployed` may go (test/deployed/target.ts): staging's host over https, or a
// server on this machine; anything else is refused with what to set instead.
import { describe, expect, it } from "vitest";
import { deployedTarget, stackAppHosts } from "./deployed/target.ts";

const hosts = { staging: "app.example-staging.com", production: "app.example.com" };

function target(value: string | undefined) {
  return deployedTarget({ E2E_BASE_URL: value }, hosts);
}

describe("E2E_BASE_URL", () => {
  it("takes the stacks' hosts from the stack files", async () => {
    await expect(stackAppHosts()).resolves.toEqual(hosts);
  });

  it.each([
    ["https://app.example-staging.com", "https://app.example-staging.com"],
    ["https://APP.example-staging.com/", "https://app.example-staging.com"],
    ["  https://app.example-staging.com  ", "https://app.example-staging.com"],
    ["http://127.0.0.1:3000", "http://127.0.0.1:3000"],
    ["http://localhost:3000/", "http://localhost:3000"],
    ["http://[::1]:3000", "http://[::1]:3000"],
  ])("accepts %s", (value, origin) => {
    const result = target(value);
    expect(result.ok && result.url.origin).toBe(origin);
  });

  it.each([
    [undefined, "E2E_BASE_URL is not set: it names the deployed staging"],
    ["", "E2E_BASE_URL is not set"],
    ["app.example-staging.com", "(app.example-staging.com) is not an http(s) URL"],
    ["ftp://app.example-staging.com", "is not an http(s) URL: give staging's public URL"],
    [
      "http://app.example-staging.com",
      "is not https: the edge serves staging over TLS only; use https://app.example-staging.com.",
    ],
    ["https://app.example-staging.com/items", "has a path, query or fragment"],
    ["https://app.example-staging.com/?debug=1", "has a path, query or fragment"],
    [
      "https://app.example.com",
      "(https://app.example.com) is production (platform:domain.appHost in Pulumi.production.yaml): the suite creates items, so it runs against staging only, https://app.example-staging.com.",
    ],
    [
      "https://example-staging.com",
      "is not staging's host app.example-staging.com (platform:domain.appHost in Pulumi.staging.yaml) nor a loopback address",
    ],
  ])("refuses %s", (value, problem) => {
    const result = target(value);
    expect(result.ok ? "accepted" : result.problem).toContain(problem);
  });
});
